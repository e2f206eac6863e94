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
echo "Walking fields and stamps against the fixed template (\`target/release/bench --walks 2\`: one net_null port, one TX lcore, 64-byte frames, unpaced; in each of 5 processes 3 interleaved rounds of the four, ratios taken inside a process, medians and ranges over the processes; the walk loop prefetches each buffer's header line PREFETCH packets ahead, engine/src/stream/program.rs):"
echo
target/release/bench --walks 2
echo
echo "Streams of built packets (\`bench/packet.sh\`: pktgen.streams on one net_null port and one TX lcore, unpaced (rate \"max\"), 2 s per case; in each of 5 processes the five cases in turn, ratios taken inside a process, medians and ranges over the processes):"
echo
bench/packet.sh 5
echo
echo "TX scaling (\`target/release/bench --scaling N 3\`: 1..N TX lcores on one net_null port, -m [1:1-k].0, $(nproc) CPUs here, so N = $(nproc); run it as is with N up to the CPUs less one on a bigger machine; medians of 5 interleaved processes):"
echo
target/release/bench --scaling "$(nproc)" 3
echo
echo "Streams on one port (\`target/release/bench --streams-bench 3\`: 1, 4 and 16 streams of 64-byte frames on one net_null port and one TX lcore, each stream its own buffer pool; unpaced, then paced to 100 % of 10 Gb/s in total, each at its share, exact-average catch-up; medians of 5 interleaved processes):"
echo
target/release/bench --streams-bench 3
echo
echo "Pacing quality (\`target/release/pktgen --no-listen --exit bench/pacing.lua\`, 3 processes, medians: one stream of 64-byte UDP frames on the embedded default for 2 s, from pktgen.streams and from the port's own stream (Pktgen's surface, stamps on, rate in percent); departures from the stamps' TSC, one per TX burst, so a burst's packets count as back to back; a stall is a gap over 10 times the target):"
echo
echo "| rate, catch-up | within ±64 ns | ±128 ns | ±256 ns | ±512 ns | back to back | stalls | skipped | sent |"
echo "|---|---|---|---|---|---|---|---|---|"
for i in 1 2 3; do target/release/pktgen --no-listen --exit bench/pacing.lua; done | python3 -c '
import json, sys, statistics
rows = {}
for line in sys.stdin:
    if line.startswith("{"):
        r = json.loads(line)
        rows.setdefault(r["case"], []).append(r)
for case, rs in rows.items():
    m = lambda k: statistics.median(r[k] for r in rs)
    print("| %s | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %d | %d | %d |" % (case, m("w64"), m("w128"), m("w256"), m("w512"), m("b2b"), m("stalls"), m("skipped"), m("sent")))
'
echo
echo "Shell (\`target/release/shell target/release/pktgen\`):"
echo
target/release/shell target/release/pktgen
