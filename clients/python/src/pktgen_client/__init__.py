"""pktgen_client: drive pktgen, the Lua-scripted DPDK packet generator, from Python.

Connects to a pktgen's Lua shell (TCP 22022 by default; with its token and over TLS when pktgen
asks for them) in program mode, where every request gets one reply with its output, its
returned values as JSON, or its Lua error and traceback.
"""

from .client import (
    HELLO,
    PROTOCOL,
    TOKEN_ENV,
    AuthenticationError,
    LuaError,
    Pktgen,
    PktgenConnectionError,
    PktgenError,
    PktgenTimeout,
    Ports,
    ProtocolError,
    Result,
    by_port,
    lua_string,
    portlist,
)

__all__ = [
    "HELLO",
    "PROTOCOL",
    "TOKEN_ENV",
    "AuthenticationError",
    "LuaError",
    "Pktgen",
    "PktgenConnectionError",
    "PktgenError",
    "PktgenTimeout",
    "Ports",
    "ProtocolError",
    "Result",
    "by_port",
    "lua_string",
    "portlist",
]

__version__ = "0.1.0"
