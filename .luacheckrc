-- luacheck configuration for the Lua stdlib (lua/) and the scenarios and tests (test/).
-- `make test` runs `luacheck lua test`; a finding fails it.
std = "lua54"
max_line_length = false

-- The globals Pktgen's helper module (lua/Pktgen.lua) defines for the scripts that require it.
local pktgen_helpers = {
	"gsub", "gmatch", "strrep", "strsub", "strfmt", "strmatch", "strfind", "strlen", "tolower",
	"unlink", "system", "tinsert", "tgetn", "tconcat", "printf", "serialize", "prints", "sleep",
	"trim", "str2tbl", "d2u", "u2d", "basename", "syscmd", "getPwd", "getn", "isTrue", "msg",
	"errmsg", "cPrintf", "comment",
}

-- Every script shares `pktgen` (set by the stdlib at start-up) and Pktgen's helpers.
globals = { "pktgen" }
read_globals = pktgen_helpers

files["lua/Pktgen.lua"] = { globals = pktgen_helpers }
-- test/wire/common.lua gives the wire scenarios their shared `send`.
files["test/wire"] = { globals = { "send" } }
