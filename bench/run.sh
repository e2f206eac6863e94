#!/usr/bin/env bash
# Runs the benches and prints a dated Markdown section (command, machine, results) for RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo
echo "## $(date -u +%Y-%m-%d) — $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
echo "Machine: $(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), DPDK $(pkg-config --modversion libdpdk), no hugepages."
echo
echo "Command: \`make bench\` (\`target/release/bench 3\`: one TX lcore, 64-byte frames, \`--vdev net_null0,no-rx=1\`, unpaced unless stated)."
echo
target/release/bench 3
echo
echo "TX scaling (\`target/release/bench --scaling N 3\`: 1..N TX lcores on one net_null port, -m [1:1-k].0, $(nproc) CPUs here, so N = $(nproc); run it as is with N up to the CPUs less one on a bigger machine; medians of 5 interleaved processes):"
echo
target/release/bench --scaling "$(nproc)" 3
echo
echo "Shell (\`target/release/shell target/release/pktgen\`):"
echo
target/release/shell target/release/pktgen
