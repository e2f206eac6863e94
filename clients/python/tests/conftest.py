"""Real pktgen processes for the tests: the binary from $PKTGEN_BIN (the cargo test that runs
pytest sets it) or target/debug/pktgen, each on a free loopback port, never 22022."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 60.0


def binary() -> str:
    b = os.environ.get("PKTGEN_BIN") or str(ROOT / "target" / "debug" / "pktgen")
    if not Path(b).exists():
        pytest.fail(f"no pktgen binary at {b}: build it (cargo build -p runtime) or set PKTGEN_BIN")
    return b


@dataclass
class Server:
    """A running pktgen: its shell port, its --metrics port (if asked), its stderr so far."""

    proc: subprocess.Popen
    port: int = 0
    metrics: Optional[int] = None
    log: List[str] = field(default_factory=list)

    @property
    def stderr(self) -> str:
        return "".join(self.log)

    def wait_log(self, text: str, timeout: float = 60.0) -> bool:
        """True once `text` appears in stderr; the server logs after the client already has its
        answer, so a check right after the client's side can be too early."""
        import time

        end = time.monotonic() + timeout
        while text not in self.stderr:
            if time.monotonic() > end:
                return False
            time.sleep(0.02)
        return True


def start(*args: str) -> Server:
    proc = subprocess.Popen(
        [binary(), "--listen", "127.0.0.1:0", *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    srv = Server(proc)
    ready = threading.Event()
    want_metrics = "--metrics" in args

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            srv.log.append(line)
            m = re.match(r"pktgen: Lua shell listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                srv.port = int(m.group(1))
            m = re.match(r"pktgen: metrics on http://127\.0\.0\.1:(\d+)/metrics", line)
            if m:
                srv.metrics = int(m.group(1))
            if srv.port and (srv.metrics or not want_metrics):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(START_TIMEOUT) or not srv.port:
        proc.kill()
        pytest.fail(f"pktgen did not start listening: {srv.stderr}")
    return srv


def send_stamped(pg, count: int, size: int = 64) -> None:
    """Port 0 sends `count` latency-stamped UDP packets to port 1 (back to back) at 1 %; returns
    once port 1's histogram has them all. Counters are cleared first. UDP, because a 64-byte TCP
    frame has no room for the stamp (latency is then measured on probes beside the traffic)."""
    import time

    pg.run("pktgen.set_proto(0, 'udp')")
    pg.latency("0-1")
    pg.set(0, "size", size)
    pg.set(0, "rate", 1)
    pg.set(0, "count", count)
    pg.clear("all")
    pg.start(0)
    pg.wait_done(0)
    deadline = time.monotonic() + 60
    while pg.latency_summary(1)["hdr"]["count"] < count and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def pktgen_factory() -> Iterator[Callable[..., Server]]:
    """Starts pktgen processes (arguments after the shell's); all are stopped at the end."""
    started: List[Server] = []

    def factory(*args: str) -> Server:
        s = start(*args)
        started.append(s)
        return s

    yield factory
    for s in started:
        s.proc.terminate()
    for s in started:
        try:
            s.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            s.proc.wait()


@pytest.fixture
def server(pktgen_factory: Callable[..., Server]) -> Server:
    """One pktgen."""
    return pktgen_factory()


@dataclass
class Pki:
    """Certificates made with the openssl command-line tool: a CA, pktgen's certificate for an
    IP address (127.0.0.1 here) signed by it, a client certificate signed by it, and an
    unrelated CA. runtime/tests/remote_shell.rs makes its own with `make_pki` too."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path


def openssl(*args: str, cwd: Path) -> None:
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        pytest.fail(f"openssl {' '.join(args)}: {r.stderr}")


def make_pki(d: Path, server_ip: str = "127.0.0.1") -> Pki:
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for ca in ("ca", "other"):
        openssl("req", "-x509", *ec, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "2",
                "-subj", f"/CN=pktgen test {ca}", cwd=d)
    (d / "server.ext").write_text(f"subjectAltName=IP:{server_ip}\n")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for who, cn in (("server", server_ip), ("client", "pktgen test client")):
        openssl("req", *ec, "-keyout", f"{who}.key", "-out", f"{who}.csr", "-subj", f"/CN={cn}", cwd=d)
        openssl("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{who}.pem", "-days", "2", "-extfile", f"{who}.ext", cwd=d)
    return Pki(d / "ca.pem", d / "server.pem", d / "server.key", d / "client.pem", d / "client.key", d / "other.pem")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """One set of certificates for the module's tests."""
    return make_pki(tmp_path_factory.mktemp("pki"))
