#!/usr/bin/env bash
# Receive rate with 0, 4 and 16 counting filters (bench/rx_filters.lua) in N processes (default 3),
# as native code (DPDK's JIT) and in DPDK's interpreter (PKTGEN_FILTER_JIT=0), the two kinds of
# process interleaved; prints a Markdown table of medians and spreads of each ratio to the rate
# without filters measured in the same round of the same process.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-3}"
for i in $(seq "$n"); do
	for jit in 1 0; do
		PKTGEN_FILTER_JIT=$jit target/release/pktgen --no-listen --exit -f bench/rx_filters.lua |
			sed -n "s/^{/{\"jit\": $jit, \"run\": $i, /p"
	done
done | python3 -c '
import json, sys, statistics
rows = [json.loads(l) for l in sys.stdin]
print("| filters | runs as | RX Mpps (median) | ratio to no filters (median) | spread |")
print("|---|---|---|---|---|")
for jit in (1, 0):
    mine = [r for r in rows if r["jit"] == jit]
    base = [r for r in mine if r["filters"] == 0]
    for k in (0, 4, 16):
        got = [r for r in mine if r["filters"] == k]
        # Each measurement against the no-filter one just before it in the same process.
        ratios = [g["pps"] / b["pps"] for g, b in zip(got, base)]
        pps = statistics.median(g["pps"] for g in got) / 1e6
        kind = "-" if k == 0 else ("native code (JIT)" if jit else "interpreter")
        print("| %d | %s | %.2f | %.2fx | %.2f-%.2fx |" % (k, kind, pps, statistics.median(ratios), min(ratios), max(ratios)))
'
