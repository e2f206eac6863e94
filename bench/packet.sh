#!/usr/bin/env bash
# Runs bench/packet.lua in N processes (default 5) on a net_null port and prints a Markdown table
# of each case's packets per second and its ratio to its reference, taken inside each round:
# built packets and frame lists against the fixed template, the built packet with one walking
# field against range mode with one. Medians over the processes' rounds, with the range.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
for i in $(seq "$n"); do
	target/release/pktgen -l 0-1 --no-huge --no-pci --no-shconf --file-prefix "pktgen-bench-packet-$$-$i" \
		--vdev net_null0,no-rx=1 -- --no-listen --exit -f bench/packet.lua 2>/dev/null | grep '^{' | sed "s/^{/{\"run\": $i, /"
done | python3 -c '
import json, sys, statistics
runs = {}
for line in sys.stdin:
    r = json.loads(line)
    runs.setdefault((r["run"], r["round"]), {})[r["case"]] = r["pps"]
ref = {"range mode, 1 field": "fixed template", "built packet, 1 field": "range mode, 1 field",
       "VXLAN, 4 fields (inner IPv4 dst)": "fixed template", "16 frames": "fixed template"}
goal = {"built packet, 1 field": ">= 0.9x", "VXLAN, 4 fields (inner IPv4 dst)": ">= 0.5x", "16 frames": ">= 0.8x"}
print("| case | Mpps, median (range) | ratio to | median ratio (range) | goal |")
print("|---|---|---|---|---|")
for case in next(iter(runs.values())):
    pps = [r[case] / 1e6 for r in runs.values()]
    line = "| %s | %.1f (%.1f-%.1f) |" % (case, statistics.median(pps), min(pps), max(pps))
    if case in ref:
        q = [r[case] / r[ref[case]] for r in runs.values()]
        line += " %s | %.2fx (%.2f-%.2f) | %s |" % (ref[case], statistics.median(q), min(q), max(q), goal.get(case, ""))
    else:
        line += " | | |"
    print(line)
'
