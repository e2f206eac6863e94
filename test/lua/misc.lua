--- port_restart, blink, clock_gettime, continue and input.
package.path = package.path .. ";test/?.lua"
local check = require("testing").check

pktgen.set(0, "rate", 1)
pktgen.set(0, "count", 0)
pktgen.start(0)
pktgen.set(0, "size", 128)             -- a running forever stream picks this up already
pktgen.port_restart(0)
check(pktgen.isSending(0)[0] == "y", "port_restart keeps a sending port sending")
pktgen.stop(0)
pktgen.port_restart("0-1")
check(pktgen.isSending(0)[0] == "n", "port_restart leaves an idle port idle")
pktgen.blink("all", "on")
pktgen.blink("all", "off")
pktgen.clock_gettime("on")
check(require("pktgen.api.control").clock_gettime() == true, "clock_gettime on")
pktgen.clock_gettime("off")
-- From a file, stdin is at EOF under the test suite: both return what there is (nothing).
-- From a shell client, reading pktgen's own stdin is refused (it would stop every client).
-- runtime/tests/lua_suite.rs says which it is in PKTGEN_TEST_VIA (a plain run is a file).
local via = os.getenv("PKTGEN_TEST_VIA") or "file"
check(via == "file" or via == "shell", "PKTGEN_TEST_VIA %q is not file or shell", via)
for _, c in ipairs { { "continue", function() return pktgen["continue"]("press a key ") end },
		{ "input", function() return pktgen.input("name? ") end } } do
	local ok, v = pcall(c[2])
	if via == "file" then
		check(ok and v == "", "%s from a file: %s %q, want true \"\"", c[1], tostring(ok), tostring(v))
	else
		check(not ok and string.find(tostring(v), "cannot read pktgen's standard input", 1, true),
			"%s from a shell client: %s %s, want the refusal", c[1], tostring(ok), tostring(v))
	end
end
print() -- ends the prompts' line
print("misc: ok")
