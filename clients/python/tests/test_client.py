"""pktgen_client against real pktgen processes: output, errors as exceptions with the Lua
traceback, values, helpers, timeouts, the context manager, two instances at once, the example,
and installing the package."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pktgen_client import (
    LuaError,
    Pktgen,
    PktgenConnectionError,
    PktgenTimeout,
    ProtocolError,
    by_port,
    portlist,
)

from conftest import ROOT, Server, send_stamped

PACKAGE = ROOT / "clients" / "python"


def test_run_returns_what_the_chunk_printed(server: Server) -> None:
    with Pktgen("127.0.0.1", server.port) as pg:
        assert pg.version.startswith("Pktgen ")
        assert pg.run("print('hi', 1) io.write('x')") == "hi\t1\nx"
        assert pg.run("local a = 2 print(a * 21)") == "42\n"
        assert pg.eval("1 + 1") == 2
        assert pg.execute("print('o') return 1, 'two', {a = 3}").values == [1, "two", {"a": 3}]
        # Globals persist between requests on the one interpreter.
        pg.run("shared_by_test = 'yes'")
        assert pg.eval("shared_by_test") == "yes"


def test_lua_errors_raise_with_message_and_traceback(server: Server) -> None:
    with Pktgen("127.0.0.1", server.port) as pg:
        with pytest.raises(LuaError) as e:
            pg.run("print('before') error('boom')")
        assert e.value.message == "stdin:1: boom"
        assert e.value.traceback.startswith("stack traceback:")
        assert "in main chunk" in e.value.traceback
        assert e.value.output == "before\n"
        assert "stdin:1: boom\nstack traceback:" in str(e.value)
        with pytest.raises(LuaError, match="value for 'rate' must be a finite number"):
            pg.set(0, "rate", "fast")
        with pytest.raises(LuaError, match="unexpected symbol"):
            pg.run("for i = 1, do")
        with pytest.raises(LuaError, match='no function "nosuch"'):
            pg.call("nosuch")
        with pytest.raises(LuaError, match="--shell-allow-quit"):
            pg.call("quit")
        # The connection is fine after all that.
        assert pg.eval("'still here'") == "still here"


def test_call_returns_python_values(server: Server) -> None:
    with Pktgen("127.0.0.1", server.port) as pg:
        ps = pg.call("portStats", "0-1")
        assert ps["n"] == 2 and set(ps) == {"0", "1", "n"}
        curr = ps["0"]["curr"]
        assert isinstance(curr["opackets"], int) and isinstance(curr["obytes"], int)
        assert pg.call("portCount") == 2
        assert pg.call("string.format", "%d-%s", 7, None) == "7-nil"
        assert pg.call_all("string.find", "hello", "ll") == [3, 4]
        assert pg.call("isSending", 0) == {"0": "n", "n": 1}
        assert by_port(pg.call("linkState", "all"))[1].startswith("<UP-10000")
        info = pg.call("portInfo", 0)["0"]["info"]
        assert info["pkt_size"] == 64


def test_helpers_start_stop_and_counters_that_add_up(server: Server) -> None:
    with Pktgen("127.0.0.1", server.port) as pg:
        pg.clear("all")
        pg.set(0, "size", 128)
        pg.set(0, "rate", 1)
        pg.set(0, "count", 5000)
        pg.start(0)
        pg.wait_done(0, timeout=30)
        assert pg.sending("all") == {0: False, 1: False}
        # Port 1 may still drain the ring for a moment.
        deadline = time.monotonic() + 60
        while pg.port_stats(1)[1]["curr"]["ipackets"] < 5000 and time.monotonic() < deadline:
            time.sleep(0.02)
        st = pg.port_stats("0-1")
        assert st[0]["curr"]["opackets"] == 5000
        assert st[1]["curr"]["ipackets"] == 5000
        # net_ring counts no bytes: these are the engine's counts, without FCS.
        assert st[0]["curr"]["obytes"] == 5000 * 124
        assert st[1]["curr"]["ibytes"] == 5000 * 124
        # Sending forever, then stop.
        pg.set(0, "count", 0)
        pg.start(0)
        assert pg.sending(0) == {0: True}
        deadline = time.monotonic() + 60
        while pg.rates(0)[0]["pkts_tx"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pg.rates(0)[0]["pkts_tx"] > 0
        pg.stop(0)
        assert pg.sending(0) == {0: False}


def test_latency_percentiles(server: Server) -> None:
    with Pktgen("127.0.0.1", server.port) as pg:
        send_stamped(pg, 2000)
        p = pg.latency_percentiles(1, (50, 99, 99.9))
        assert list(p) == [50.0, 99.0, 99.9]
        assert all(isinstance(v, int) and v > 0 for v in p.values())
        assert p[50] <= p[99] <= p[99.9]
        summary = pg.latency_summary(1)
        assert summary["hdr"]["count"] == 2000 and summary["lost"] == 0
        assert summary["hdr"]["percentiles"]["99.9"] == p[99.9]


def test_timeouts_leave_the_connection_usable(server: Server) -> None:
    with Pktgen("127.0.0.1", server.port, timeout=10) as pg:
        # The reply cannot come before 3 s: raising at all means the client gave up at 0.2 s.
        with pytest.raises(PktgenTimeout):
            pg.run("pktgen.delay(3000) print('late')", timeout=0.2)
        # The late reply is skipped; the next request gets its own.
        assert pg.eval("'after the timeout'") == "after the timeout"
        assert isinstance(PktgenTimeout("x"), TimeoutError)


def test_context_manager_and_connection_errors(server: Server) -> None:
    with Pktgen("127.0.0.1", server.port) as pg:
        assert not pg.closed
    assert pg.closed
    with pytest.raises(PktgenConnectionError):
        pg.eval("1")
    # Nothing listening.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    free = s.getsockname()[1]
    s.close()
    with pytest.raises(PktgenConnectionError, match="cannot connect"):
        Pktgen("127.0.0.1", free, connect_timeout=2)
    assert issubclass(PktgenConnectionError, ConnectionError)


def test_something_else_on_the_port_is_a_protocol_error() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]

    def answer() -> None:
        c, _ = srv.accept()
        c.recv(100)
        c.sendall(b"SSH-2.0-OpenSSH\r\n")
        c.close()

    import threading

    threading.Thread(target=answer, daemon=True).start()
    with pytest.raises(ProtocolError, match="not a pktgen"):
        Pktgen("127.0.0.1", port, connect_timeout=5)
    srv.close()


def test_too_many_clients_is_a_clear_error(pktgen_factory) -> None:
    srv = pktgen_factory("--shell-max-clients", "1")
    with Pktgen("127.0.0.1", srv.port):
        with pytest.raises(ProtocolError, match="too many clients"):
            Pktgen("127.0.0.1", srv.port, connect_timeout=5)


def test_two_instances_at_once_and_the_example(pktgen_factory) -> None:
    a, b = pktgen_factory(), pktgen_factory()
    with Pktgen("127.0.0.1", a.port) as pa, Pktgen("127.0.0.1", b.port) as pb:
        pa.set(0, "count", 1000)
        pb.set(0, "count", 3000)
        for pg in (pa, pb):
            pg.set(0, "rate", 1)
            pg.clear("all")
            pg.start(0)
        pa.wait_done(0)
        pb.wait_done(0)
        assert pa.port_stats(0)[0]["curr"]["opackets"] == 1000
        assert pb.port_stats(0)[0]["curr"]["opackets"] == 3000
    # The example drives both and prints one table.
    out = subprocess.run(
        [sys.executable, str(PACKAGE / "examples" / "two_hosts.py"),
         f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}", "--seconds", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:4] == ["host", "port", "tx", "pkts"], out.stdout
    rows = [line.split() for line in lines[2:]]
    hosts = {r[0] for r in rows}
    assert {f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}", "all"} == hosts, out.stdout
    sent = [int(r[2].replace(",", "")) for r in rows if r[0] != "all" and r[1] == "0"]
    assert len(sent) == 2 and all(n > 0 for n in sent), out.stdout
    total = next(r for r in rows if r[0] == "all")
    assert int(total[1].replace(",", "")) == sum(
        int(r[2].replace(",", "")) for r in rows if r[0] != "all"), out.stdout


def test_portlist() -> None:
    assert portlist("all") == "all"
    assert portlist(3) == "3"
    assert portlist([0, 2]) == "0,2"


def test_the_package_installs_with_its_type_marker(tmp_path: Path) -> None:
    target = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "--target", str(target), str(PACKAGE)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert r.returncode == 0, r.stderr
    assert (target / "pktgen_client" / "py.typed").exists()
    r = subprocess.run(
        [sys.executable, "-c", "import pktgen_client, sys; print(pktgen_client.__file__)"],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=False,
    )
    assert r.returncode == 0 and r.stdout.startswith(str(target)), r.stderr
