"""The client: one connection to a pktgen shell in program mode (docs/PROGRAM_MODE.md).

Each request is one JSON line with an id; each reply is one JSON line with the same id, the
output the request printed, and either its returned values or its error and traceback. A shell
that wants a token gets the line ``auth <token>`` first; one that speaks TLS gets TLS.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Union

#: The line that switches a connection to program mode.
HELLO = b"#pktgen-program 1\n"

#: The environment variable a token is taken from when none is given (as pktgen does).
TOKEN_ENV = "PKTGEN_SHELL_TOKEN"

#: How pktgen's refusals before the hello start (one text line, then it closes).
_REFUSAL = "pktgen shell: "

#: Refusals that are about who the client is, not about the shell's state.
_AUTH_REFUSALS = ("authentication", "too many connections from your address", "this shell takes no token")

#: The protocol version this client speaks.
PROTOCOL = 1

#: A port list as pktgen takes it: ``"all"``, ``"0-3,5"``, a port number, or numbers.
Ports = Union[str, int, Iterable[int]]

#: A reply line longer than this is refused (pktgen caps a request's output at 16 MiB, which
#: JSON escaping can make up to six times longer).
MAX_REPLY = 128 << 20


class PktgenError(Exception):
    """Anything that went wrong talking to pktgen."""


class PktgenConnectionError(PktgenError, ConnectionError):
    """The connection could not be made, or it closed."""


class PktgenTimeout(PktgenError, TimeoutError):
    """No reply within the timeout. pktgen may still be running the request: its reply is
    discarded when it comes, and the connection stays usable."""


class AuthenticationError(PktgenConnectionError):
    """pktgen turned the client away: no token or a wrong one, a client certificate missing,
    refused or not pinned, or too many connections from this address waiting to authenticate
    (pktgen's words are the message)."""


class ProtocolError(PktgenError):
    """pktgen answered something that is not protocol 1 (not pktgen, or another version)."""


class LuaError(PktgenError):
    """The request failed in pktgen: a Lua error, a syntax error, a refused request, a limit.

    Attributes:
        message: the error message, e.g. ``"stdin:1: boom"``.
        traceback: the Lua traceback (``"stack traceback:\\n..."``), or ``""``.
        output: what the request printed before it failed.
        request_id: the id of the request.
    """

    def __init__(self, message: str, traceback: str, output: str, request_id: Any) -> None:
        super().__init__(message)
        self.message = message
        self.traceback = traceback
        self.output = output
        self.request_id = request_id

    def __str__(self) -> str:
        return f"{self.message}\n{self.traceback}" if self.traceback else self.message


@dataclass(frozen=True)
class Result:
    """What a request that ran to its end gave back."""

    #: Everything it printed.
    output: str
    #: Its returned values, decoded from JSON (getters' port keys are strings there).
    values: List[Any]


def _token(token: Optional[str], token_file: Optional[Union[str, "os.PathLike[str]"]]) -> Optional[str]:
    """The token to send: given, read from a file, or from ``$PKTGEN_SHELL_TOKEN``."""
    if token is None and token_file is not None:
        with open(token_file, encoding="ascii") as f:
            token = f.read().strip()
    if token is None:
        token = os.environ.get(TOKEN_ENV) or None
    if token is not None and (not token or any(c.isspace() or not c.isprintable() for c in token)):
        raise ValueError("a pktgen token is printable ASCII without spaces")
    return token


def _tls_context(
    tls: Union[bool, ssl.SSLContext, None],
    cafile: Optional[Union[str, "os.PathLike[str]"]],
    certfile: Optional[Union[str, "os.PathLike[str]"]],
    keyfile: Optional[Union[str, "os.PathLike[str]"]],
) -> Optional[ssl.SSLContext]:
    """The TLS context asked for, or ``None`` for plain TCP."""
    if isinstance(tls, ssl.SSLContext):
        return tls
    if tls is False and (cafile is not None or certfile is not None):
        raise ValueError("cafile and certfile are for TLS, which tls=False turns off")
    if not tls and cafile is None and certfile is None:
        return None
    context = ssl.create_default_context(cafile=cafile)
    if certfile is not None:
        context.load_cert_chain(certfile, keyfile)
    return context


def portlist(ports: Ports) -> str:
    """A port list as pktgen's functions take it: ``"all"``, ``"0-1"``, ``0`` or ``[0, 2]``."""
    if isinstance(ports, str):
        return ports
    if isinstance(ports, int):
        return str(ports)
    return ",".join(str(int(p)) for p in ports)


def by_port(result: Mapping[str, Any]) -> Dict[int, Any]:
    """A getter's ``{"0": ..., "1": ..., "n": 2}`` as ``{0: ..., 1: ...}``."""
    return {int(k): v for k, v in result.items() if k != "n"}


def lua_string(s: str) -> str:
    """``s`` as a Lua string literal (JSON's escapes are Lua's, for what ``json.dumps`` emits)."""
    return json.dumps(s)


class Pktgen:
    """A connection to one pktgen's shell, in program mode.

    >>> with Pktgen("127.0.0.1", 22022) as pg:          # doctest: +SKIP
    ...     pg.set(0, "rate", 10)
    ...     pg.start(0)
    ...     print(pg.port_stats("0-1")[1]["curr"]["ipackets"])

    Args:
        host: where pktgen runs.
        port: its shell port (``--listen``; 22022 by default).
        timeout: seconds to wait for each reply (``None``: no limit); a call can override it.
        connect_timeout: seconds to wait for the connection, the TLS handshake and pktgen's hello.
        token: the token pktgen wants (``--shell-token-file``), sent as the line ``auth <token>``
            before the program-mode hello.
        token_file: a file holding the token (pktgen's token file, or a copy of it).
        tls: ``True`` to speak TLS (``--shell-tls-cert``), verifying pktgen's certificate with
            ``cafile`` (or the system's CAs); or an ``ssl.SSLContext`` of your own. Giving
            ``cafile`` or ``certfile`` implies TLS.
        cafile: the CA certificate(s) that signed pktgen's certificate.
        certfile, keyfile: this client's certificate and key, for a pktgen with
            ``--shell-tls-client-ca`` (mutual TLS).
        server_hostname: the name pktgen's certificate must carry (default: ``host``).

        Without ``token`` and ``token_file``, ``$PKTGEN_SHELL_TOKEN`` is the token if it is set.

    Raises:
        PktgenConnectionError: nothing listens there, the TLS handshake failed (pktgen's
            certificate is not signed by ``cafile``, or does not name ``host``), or it closed the
            connection.
        AuthenticationError: pktgen refused the token or the client certificate.
        ProtocolError: what answered is not pktgen speaking protocol 1 (for example the shell
            turned the client away because ``--shell-max-clients`` were connected).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 22022,
        *,
        timeout: Optional[float] = 30.0,
        connect_timeout: float = 10.0,
        token: Optional[str] = None,
        token_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        tls: Union[bool, ssl.SSLContext, None] = None,
        cafile: Optional[Union[str, "os.PathLike[str]"]] = None,
        certfile: Optional[Union[str, "os.PathLike[str]"]] = None,
        keyfile: Optional[Union[str, "os.PathLike[str]"]] = None,
        server_hostname: Optional[str] = None,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._buf = bytearray()
        self._next_id = 1
        # Requests given up on (timed out) whose replies are still to come, to be skipped.
        self._abandoned: Set[int] = set()
        secret = _token(token, token_file)
        context = _tls_context(tls, cafile, certfile, keyfile)
        where = f"{host}:{port}"
        try:
            sock = socket.create_connection((host, port), connect_timeout)
        except OSError as e:
            raise PktgenConnectionError(f"cannot connect to pktgen at {where}: {e}") from e
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if context is not None:
            try:
                sock = context.wrap_socket(sock, server_hostname=server_hostname or host)
            except (OSError, ValueError) as e:
                sock.close()
                raise PktgenConnectionError(f"TLS handshake with pktgen at {where} failed: {e}") from e
        self._sock: Optional[socket.socket] = sock
        first = HELLO if secret is None else b"auth " + secret.encode() + b"\n" + HELLO
        try:
            self._send(first)
            line = self._read_line(time.monotonic() + connect_timeout)
        except PktgenTimeout as e:
            self.close()
            raise ProtocolError(f"{where} did not answer the program-mode hello") from e
        except PktgenConnectionError as e:
            self.close()
            if isinstance(e.__cause__, ssl.SSLError) and "ALERT" in str(e.__cause__).upper():
                # TLS 1.3 finishes the client's side of the handshake first: pktgen refusing the
                # client's certificate (missing, or not signed by its CA) shows up here.
                raise AuthenticationError(
                    f"pktgen at {where} refused the TLS connection (client certificate missing or refused): {e.__cause__}"
                ) from e
            raise
        except PktgenError:
            self.close()
            raise
        text = line.decode("utf-8", "replace")
        if text.startswith(_REFUSAL):
            self.close()
            if any(text[len(_REFUSAL) :].startswith(r) for r in _AUTH_REFUSALS):
                raise AuthenticationError(f"pktgen at {where}: {text}")
            raise ProtocolError(f"pktgen at {where}: {text}")
        try:
            hello = json.loads(line)
        except ValueError:
            self.close()
            raise ProtocolError(f"{host}:{port} is not a pktgen in program mode: {line[:200]!r}") from None
        if not isinstance(hello, dict) or hello.get("hello") != "pktgen" or hello.get("protocol") != PROTOCOL:
            self.close()
            raise ProtocolError(f"{host}:{port} answered {hello!r}, not pktgen protocol {PROTOCOL}")
        #: pktgen's version string, from its hello.
        self.version: str = str(hello.get("version", ""))

    # -- connection ---------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (or the connection broke)."""
        return self._sock is None

    def close(self) -> None:
        """Closes the connection (pktgen cancels a request still running at its next yield)."""
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def __enter__(self) -> "Pktgen":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Pktgen {self.host}:{self.port} {state}>"

    def _send(self, data: bytes) -> None:
        if self._sock is None:
            raise PktgenConnectionError("the connection is closed")
        try:
            self._sock.sendall(data)
        except OSError as e:
            self.close()
            raise PktgenConnectionError(f"pktgen at {self.host}:{self.port}: {e}") from e

    def _read_line(self, deadline: Optional[float]) -> bytes:
        while True:
            i = self._buf.find(b"\n")
            if i >= 0:
                line = bytes(self._buf[:i])
                del self._buf[: i + 1]
                return line
            if len(self._buf) > MAX_REPLY:
                self.close()
                raise ProtocolError(f"a reply longer than {MAX_REPLY} bytes")
            if self._sock is None:
                raise PktgenConnectionError("the connection is closed")
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise PktgenTimeout(f"no reply from pktgen at {self.host}:{self.port} in time")
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError as e:
                self.close()
                raise PktgenConnectionError(f"pktgen at {self.host}:{self.port}: {e}") from e
            if not chunk:
                self.close()
                raise PktgenConnectionError(f"pktgen at {self.host}:{self.port} closed the connection")
            self._buf += chunk

    # -- requests -----------------------------------------------------------------------------

    def request(self, req: Dict[str, Any], *, timeout: Optional[float] = None) -> Result:
        """Sends one request (``{"lua": ...}`` or ``{"call": ..., "args": [...]}``; the id is
        added) and returns its result.

        Raises:
            LuaError: the request failed in pktgen.
            PktgenTimeout: no reply within ``timeout`` (default: the connection's).
            PktgenConnectionError: the connection closed.
        """
        rid = self._next_id
        self._next_id += 1
        self._send((json.dumps(dict(req, id=rid), separators=(",", ":")) + "\n").encode())
        limit = self.timeout if timeout is None else timeout
        deadline = None if limit is None else time.monotonic() + limit
        while True:
            try:
                line = self._read_line(deadline)
            except PktgenTimeout:
                self._abandoned.add(rid)
                raise
            try:
                reply = json.loads(line)
            except ValueError as e:
                self.close()
                raise ProtocolError(f"a reply that is not JSON: {line[:200]!r}") from e
            got = reply.get("id")
            if got in self._abandoned:
                self._abandoned.discard(got)
                continue
            if got != rid:
                # A reply to no request of ours (a request line pktgen could not read, or a
                # limit's last word): report it on this request.
                if reply.get("ok") is False:
                    raise LuaError(reply.get("error", ""), reply.get("traceback", ""), reply.get("output", ""), got)
                raise ProtocolError(f"reply to request {got!r} while waiting for {rid}")
            if reply.get("ok"):
                return Result(reply.get("output", ""), list(reply.get("values", [])))
            raise LuaError(reply.get("error", ""), reply.get("traceback", ""), reply.get("output", ""), rid)

    def execute(self, lua: str, *, timeout: Optional[float] = None) -> Result:
        """Runs Lua source as one chunk (an expression gives its values): output and values."""
        return self.request({"lua": lua}, timeout=timeout)

    def run(self, lua: str, *, timeout: Optional[float] = None) -> str:
        """Runs Lua source as one chunk and returns what it printed.

        Raises:
            LuaError: with the Lua error message and traceback.
        """
        return self.execute(lua, timeout=timeout).output

    def eval(self, lua: str, *, timeout: Optional[float] = None) -> Any:
        """The first value of a Lua expression or chunk (``None`` for none)."""
        values = self.execute(lua, timeout=timeout).values
        return values[0] if values else None

    def call(self, name: str, *args: Any, timeout: Optional[float] = None) -> Any:
        """Calls ``pktgen.<name>`` (or the global function ``name``; dots reach into tables)
        with JSON-able arguments and returns its first value (``None`` for none).

        >>> pg.call("portStats", "0-1")["1"]["curr"]["ipackets"]     # doctest: +SKIP
        """
        values = self.request({"call": name, "args": list(args)}, timeout=timeout).values
        return values[0] if values else None

    def call_all(self, name: str, *args: Any, timeout: Optional[float] = None) -> List[Any]:
        """Like :meth:`call`, returning every value."""
        return self.request({"call": name, "args": list(args)}, timeout=timeout).values

    # -- helpers --------------------------------------------------------------------------------

    def set(self, ports: Ports, key: str, value: Any) -> None:
        """``pktgen.set(ports, key, value)``: count, size, rate, burst, sport, dport, ttl, ..."""
        self.call("set", portlist(ports), key, value)

    def start(self, ports: Ports = "all") -> None:
        """Starts sending on the ports."""
        self.call("start", portlist(ports))

    def stop(self, ports: Ports = "all") -> None:
        """Stops sending on the ports."""
        self.call("stop", portlist(ports))

    def clear(self, ports: Ports = "all") -> None:
        """Zeroes the ports' counters and latency measurements."""
        self.call("clear", portlist(ports))

    def sending(self, ports: Ports = "all") -> Dict[int, bool]:
        """Whether each port is sending."""
        return {p: v == "y" for p, v in by_port(self.call("isSending", portlist(ports))).items()}

    def wait_done(self, ports: Ports = "all", timeout: float = 60.0) -> None:
        """Waits until the ports have stopped sending (a counted stream finished). The wait runs
        inside pktgen, yielding, so other clients go on meanwhile.

        Raises:
            PktgenTimeout: still sending after ``timeout`` seconds.
        """
        pl = lua_string(portlist(ports))
        lua = (
            f"for _ = 1, {int(timeout * 100) + 1} do "
            f"  local busy = false for p, v in pairs(pktgen.isSending({pl})) do "
            "    if p ~= 'n' and v == 'y' then busy = true end end "
            "  if not busy then return true end pktgen.delay(10) end return false"
        )
        if not self.eval(lua, timeout=timeout + 10):
            raise PktgenTimeout(f"ports {portlist(ports)} still sending after {timeout} s")

    def port_stats(self, ports: Ports = "all") -> Dict[int, Dict[str, Any]]:
        """``portStats``: per port ``{"curr": {ipackets, opackets, ibytes, obytes, ...},
        "sizes": {...}, "qstats": {"0": {...}}}``, keyed by port number."""
        return by_port(self.call("portStats", portlist(ports)))

    def rates(self, ports: Ports = "all") -> Dict[int, Dict[str, Any]]:
        """``portStats(ports, "rate")``: per port the rates over the last second
        (``pkts_rx``, ``pkts_tx``, ``mbits_rx``, ``mbits_tx``, ...), keyed by port number."""
        return by_port(self.call("portStats", portlist(ports), "rate"))

    def latency(self, ports: Ports, on: bool = True) -> None:
        """Turns latency stamping on (or off) for the ports' traffic."""
        self.call("latency", portlist(ports), "on" if on else "off")

    def latency_percentiles(
        self, port: int, percentiles: Sequence[float] = (50, 90, 99, 99.9, 99.99)
    ) -> Dict[float, int]:
        """Latency percentiles (ns) of what ``port`` received: ``{99.9: 1234, ...}``, from the
        port's exact HDR histogram."""
        qs = [float(q) for q in percentiles]
        lua = (
            f"local h = pktgen.latencyHistogram({int(port)}) "
            f"return h.hdr:percentiles(pktgen.json.decode({lua_string(json.dumps(qs))}))"
        )
        values = self.eval(lua)
        return dict(zip(qs, values or []))

    def latency_summary(self, port: int) -> Dict[str, Any]:
        """The latency histogram of ``port``: ``{"hdr": {"count", "min", "max", "mean", "stdev",
        "percentiles"}, "lost", "reordered", "duplicate", "jitter_mean_ns", ...}`` (ns)."""
        return self.eval(f"pktgen.latencyHistogram({int(port)})")
