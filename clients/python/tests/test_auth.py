"""pktgen_client against a pktgen that wants a token, TLS, or a client certificate: the right
ones get in; a missing or wrong token, an unknown CA and a missing client certificate are
refused with errors that say which."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from pktgen_client import AuthenticationError, Pktgen, PktgenConnectionError, ProtocolError

from conftest import Pki


def test_token_from_a_file_or_the_environment(pktgen_factory, tmp_path: Path, monkeypatch) -> None:
    tok = tmp_path / "token"
    srv = pktgen_factory("--shell-token-file", str(tok))
    assert srv.wait_log(f"token file: {tok} (created"), srv.stderr
    assert tok.stat().st_mode & 0o777 == 0o600
    with Pktgen("127.0.0.1", srv.port, token_file=tok) as pg:
        assert pg.eval("6 * 7") == 42
    monkeypatch.setenv("PKTGEN_SHELL_TOKEN", tok.read_text().strip())
    with Pktgen("127.0.0.1", srv.port) as pg:
        assert pg.eval("'from the environment'") == "from the environment"
    monkeypatch.delenv("PKTGEN_SHELL_TOKEN")
    with pytest.raises(AuthenticationError, match="authentication required"):
        Pktgen("127.0.0.1", srv.port, connect_timeout=5)


def test_a_wrong_token_is_refused_slowly_and_the_right_one_still_gets_in(pktgen_factory, tmp_path: Path) -> None:
    tok = tmp_path / "token"
    srv = pktgen_factory("--shell-token-file", str(tok))
    t0 = time.monotonic()
    with pytest.raises(AuthenticationError, match="wrong token"):
        Pktgen("127.0.0.1", srv.port, token="not-the-token-at-all", connect_timeout=5)
    assert time.monotonic() - t0 >= 0.25, "the first failure is answered after 250 ms"
    # Right after, from the same address, the right token gets in at once: failures slow the
    # answers to guesses, they never lock the address.
    t0 = time.monotonic()
    with Pktgen("127.0.0.1", srv.port, token_file=tok, connect_timeout=5) as pg:
        assert pg.eval("1 + 1") == 2
    assert time.monotonic() - t0 < 3
    assert srv.wait_log("authentication failed from 127.0.0.1"), srv.stderr


def test_a_token_sent_to_a_shell_without_one_is_refused(server) -> None:
    with pytest.raises(AuthenticationError, match="takes no token"):
        Pktgen("127.0.0.1", server.port, token="0123456789abcdef", connect_timeout=5)


def test_tls_with_the_right_ca_and_not_without(pktgen_factory, pki: Pki) -> None:
    srv = pktgen_factory("--shell-tls-cert", str(pki.server_cert), "--shell-tls-key", str(pki.server_key))
    with Pktgen("127.0.0.1", srv.port, cafile=pki.ca) as pg:
        assert pg.run("print('over TLS')") == "over TLS\n"
    with pytest.raises(PktgenConnectionError, match="TLS handshake .* failed") as e:
        Pktgen("127.0.0.1", srv.port, cafile=pki.other_ca, connect_timeout=5)
    assert not isinstance(e.value, AuthenticationError)
    with pytest.raises(ProtocolError, match="speaks TLS"):
        Pktgen("127.0.0.1", srv.port, connect_timeout=5)


def test_mutual_tls_and_a_token_together(pktgen_factory, pki: Pki, tmp_path: Path) -> None:
    tok = tmp_path / "token"
    tok.write_text("a-token-of-our-own-choosing-0123456789\n")
    tok.chmod(0o600)
    srv = pktgen_factory(
        "--shell-tls-cert", str(pki.server_cert), "--shell-tls-key", str(pki.server_key),
        "--shell-tls-client-ca", str(pki.ca), "--shell-token-file", str(tok),
    )
    mine = dict(cafile=pki.ca, certfile=pki.client_cert, keyfile=pki.client_key)
    with Pktgen("127.0.0.1", srv.port, token="a-token-of-our-own-choosing-0123456789", **mine) as pg:
        assert pg.eval("pktgen.portCount()") == 2
    with pytest.raises(AuthenticationError, match="client certificate missing or refused"):
        Pktgen("127.0.0.1", srv.port, token="a-token-of-our-own-choosing-0123456789", cafile=pki.ca, connect_timeout=5)
    assert srv.wait_log("no client certificate presented"), srv.stderr


def test_client_certificates_pinned_by_name_or_fingerprint(pktgen_factory, pki: Pki) -> None:
    r = subprocess.run(["openssl", "x509", "-in", str(pki.client_cert), "-noout", "-fingerprint", "-sha256"],
                       capture_output=True, text=True, timeout=60, check=True)
    fingerprint = r.stdout.strip().split("=", 1)[1]
    tls = ("--shell-tls-cert", str(pki.server_cert), "--shell-tls-key", str(pki.server_key),
           "--shell-tls-client-ca", str(pki.ca))
    mine = dict(cafile=pki.ca, certfile=pki.client_cert, keyfile=pki.client_key)
    for pin in (("--shell-client-name", "pktgen test client"), ("--shell-client-fingerprint", fingerprint)):
        srv = pktgen_factory(*tls, *pin)
        with Pktgen("127.0.0.1", srv.port, **mine) as pg:
            assert pg.eval("6 * 7") == 42
    # Signed by the same CA, but not the certificate pinned: refused in the handshake.
    srv = pktgen_factory(*tls, "--shell-client-name", "someone else")
    with pytest.raises(AuthenticationError):
        Pktgen("127.0.0.1", srv.port, connect_timeout=5, **mine)
    assert srv.wait_log("CN=pktgen test client (SHA-256 "), srv.stderr
    assert srv.wait_log("not pinned by --shell-client-name"), srv.stderr
