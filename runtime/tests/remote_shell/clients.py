"""Clients for runtime/tests/remote_shell.rs, run inside the test's network namespace (`ip netns
exec`) or beside pktgen. Each prints what it saw as one JSON line (`legit` prints READY first).

    clients.py pki DIR SERVER_IP
    clients.py tls HOST PORT [--token-file F] [--cafile F] [--cert F --key F]
    clients.py attack HOST PORT TOKEN_FILE COUNT
    clients.py legit HOST PORT TOKEN_FILE STOP_FILE
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT / "clients" / "python" / "src"), str(ROOT / "clients" / "python" / "tests")]

from pktgen_client import Pktgen  # noqa: E402

#: Every wait below ends by then.
DEADLINE = time.monotonic() + 240


def pki(a: argparse.Namespace) -> dict:
    from conftest import make_pki

    p = make_pki(Path(a.dir), a.server_ip)
    return {k: str(v) for k, v in vars(p).items()}


def tls(a: argparse.Namespace) -> dict:
    """Python's ssl module through the client: a value, and the seed's hello-world's output."""
    try:
        with Pktgen(a.host, a.port, token_file=a.token_file, cafile=a.cafile, certfile=a.cert,
                    keyfile=a.key, connect_timeout=10, timeout=30) as pg:
            return {"ok": True, "value": pg.eval("6 * 7"), "output": pg.run("dofile('test/hello-world.lua')")}
    except Exception as e:  # what went wrong is the result
        return {"ok": False, "error": type(e).__name__, "message": str(e)}


def one_attempt(host: str, port: int, i: int) -> str:
    """A wrong token followed by Lua that would say it ran; returns everything pktgen sent."""
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(f"auth wrong-token-{i:08d}\nprint('RAN {i}')\n".encode())
        data = b""
        while True:
            c = s.recv(4096)
            if not c:
                return data.decode("utf-8", "replace")
            data += c


def kind(reply: str) -> str:
    for k, start in (
        ("wrong", "pktgen shell: authentication failed: wrong token"),
        ("pending", "pktgen shell: too many connections from your address"),
    ):
        if reply.startswith(start) and reply.count("\n") == 1:
            return k
    return "other"


def attack(a: argparse.Namespace) -> dict:
    """Wrong tokens from 4 threads for SECONDS, while a client that authenticated before keeps
    asking for values on its connection from the same address, and the owner connects anew
    with the right token from that address every second."""
    before = Pktgen(a.host, a.port, token_file=a.token_file, connect_timeout=10, timeout=30)
    replies: Counter = Counter()
    others: list = []
    lock = threading.Lock()
    threads = 4
    end = time.monotonic() + a.seconds

    def worker(k: int) -> None:
        i = k
        while time.monotonic() < min(end, DEADLINE):
            try:
                r = one_attempt(a.host, a.port, i)
            except OSError as e:
                r = f"error: {e}"
            with lock:
                replies[kind(r)] += 1
                if kind(r) == "other" and len(others) < 5:
                    others.append(r)
            i += threads

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    answered = wrong = owner_in = 0
    owner_waits: list = []
    owner_errors: list = []
    next_owner = time.monotonic() + 1
    while any(t.is_alive() for t in ts):
        n = answered + wrong
        if before.eval(f"{n} * 2") == n * 2:
            answered += 1
        else:
            wrong += 1
        if time.monotonic() >= next_owner and time.monotonic() < end:
            s = time.monotonic()
            try:
                with Pktgen(a.host, a.port, token_file=a.token_file, connect_timeout=10) as pg:
                    owner_in += pg.eval("1 + 1") == 2
                owner_waits.append(round(time.monotonic() - s, 3))
            except Exception as e:  # reported, the test fails on it
                owner_errors.append(f"{type(e).__name__}: {e}")
            next_owner = time.monotonic() + 1
        time.sleep(0.02)
    for t in ts:
        t.join()
    before.close()
    return {"replies": dict(replies), "others": others, "before_answered": answered,
            "before_wrong": wrong, "owner_in": owner_in, "owner_waits": owner_waits,
            "owner_errors": owner_errors, "seconds": round(time.monotonic() - t0, 2)}


def legit(a: argparse.Namespace) -> dict:
    """Starts port 0 sending for ever, says READY, then keeps asking for the counters and
    connecting anew until STOP_FILE exists; stops the port and waits until port 1 received
    every packet port 0 sent."""
    errors: list = []
    with Pktgen(a.host, a.port, token_file=a.token_file, connect_timeout=10, timeout=30) as pg:
        pg.set(0, "size", 64)
        pg.set(0, "rate", 1)
        pg.set(0, "count", 0)
        pg.clear("all")
        pg.start(0)
        print("READY", flush=True)
        tx, connects = [], 0
        while not os.path.exists(a.stop_file) and time.monotonic() < DEADLINE:
            tx.append(pg.port_stats(0)[0]["curr"]["opackets"])
            if len(tx) % 10 == 0:
                try:
                    with Pktgen(a.host, a.port, token_file=a.token_file, connect_timeout=10) as p2:
                        connects += p2.eval("1 + 1") == 2
                except Exception as e:  # reported, the test fails on it
                    errors.append(f"{type(e).__name__}: {e}")
            time.sleep(0.02)
        pg.stop(0)
        pg.wait_done(0)
        deadline = time.monotonic() + 10
        while True:
            st = pg.port_stats("0-1")
            sent, got = st[0]["curr"]["opackets"], st[1]["curr"]["ipackets"]
            if sent == got or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    return {"tx_samples": len(tx), "tx_first": tx[0] if tx else 0, "tx_last": tx[-1] if tx else 0,
            "increasing": all(x < y for x, y in zip(tx[::10], tx[10::10])),
            "connects": connects, "errors": errors, "sent": sent, "received": got}


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pki")
    p.add_argument("dir")
    p.add_argument("server_ip")
    p = sub.add_parser("tls")
    p.add_argument("host")
    p.add_argument("port", type=int)
    for f in ("--token-file", "--cafile", "--cert", "--key"):
        p.add_argument(f)
    p = sub.add_parser("attack")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("token_file")
    p.add_argument("seconds", type=float)
    p = sub.add_parser("legit")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("token_file")
    p.add_argument("stop_file")
    a = ap.parse_args()
    print(json.dumps({"pki": pki, "tls": tls, "attack": attack, "legit": legit}[a.cmd](a)), flush=True)


if __name__ == "__main__":
    main()
