#!/usr/bin/env python3
"""Drive several pktgen instances (one per host) from one script: configure and start traffic on
all of them, let it run, and print one table of every host's ports.

    python3 two_hosts.py 10.0.0.1:22022 10.0.0.2:22022 --seconds 5 --rate 10

Each pktgen runs on its own host (reach a loopback-only shell with `ssh -L`); this script is the
orchestrator. On one machine, two instances on two ports do as well:

    pktgen --listen 127.0.0.1:22022 &  pktgen --listen 127.0.0.1:22023 &
    python3 two_hosts.py 127.0.0.1:22022 127.0.0.1:22023
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from typing import List, Tuple

from pktgen_client import Pktgen, PktgenError


def address(text: str) -> Tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host or "127.0.0.1", int(port or 22022))


def table(rows: List[List[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("hosts", nargs="+", type=address, help="host:port of each pktgen shell")
    ap.add_argument("--seconds", type=float, default=3.0, help="how long the traffic runs")
    ap.add_argument("--rate", type=float, default=1.0, help="percent of each link")
    ap.add_argument("--size", type=int, default=64, help="frame size with FCS")
    args = ap.parse_args()

    with ExitStack() as stack:
        try:
            gens = [stack.enter_context(Pktgen(h, p, timeout=30)) for h, p in args.hosts]
        except PktgenError as e:
            print(f"two_hosts: {e}", file=sys.stderr)
            return 1
        for pg in gens:
            pg.stop("all")
            pg.clear("all")
            pg.set(0, "size", args.size)
            pg.set(0, "rate", args.rate)
            pg.set(0, "count", 0)
            pg.start(0)
        time.sleep(args.seconds)
        # Rates while the traffic still runs, counters once it stopped everywhere.
        rates = [pg.rates("all") for pg in gens]
        for pg in gens:
            pg.stop("all")
        rows = [["host", "port", "tx pkts", "rx pkts", "tx bytes", "rx bytes", "tx Mb/s", "rx Mb/s"]]
        total = [0, 0, 0, 0]
        for (host, port), pg, rate in zip(args.hosts, gens, rates):
            for p, st in sorted(pg.port_stats("all").items()):
                c = st["curr"]
                vals = [c["opackets"], c["ipackets"], c["obytes"], c["ibytes"]]
                total = [a + b for a, b in zip(total, vals)]
                r = rate[p]
                rows.append([f"{host}:{port}", str(p), *(f"{v:,}" for v in vals),
                             str(r["mbits_tx"]), str(r["mbits_rx"])])
        rows.append(["all", "", *(f"{v:,}" for v in total), "", ""])
        print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
