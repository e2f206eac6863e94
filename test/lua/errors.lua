--- Each error case raises a clear message (checked through pcall) and the script carries on.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local function raises(want, fn, ...)
	local ok, err = pcall(fn, ...)
	assert(not ok, "expected an error containing '" .. want .. "', got success")
	err = tostring(err)
	assert(string.find(err, want, 1, true), string.format("error '%s' does not contain '%s'", err, want))
end

-- arity, in Pktgen's "<name>, wrong number of arguments" shape
raises("set, wrong number of arguments", pktgen.set, 0, "size")
raises("set, wrong number of arguments", pktgen.set, 0, "size", 64, 1)
raises("start, wrong number of arguments", pktgen.start)
raises("stop, wrong number of arguments", pktgen.stop, 0, 1)
raises("set_mac, wrong number of arguments", pktgen.set_mac, 0, "00:11:22:33:44:55")
raises("set_ipaddr, wrong number of arguments", pktgen.set_ipaddr, 0, "src")
raises("set_proto, wrong number of arguments", pktgen.set_proto, 0)
raises("set_type, wrong number of arguments", pktgen.set_type, 0)
raises("cos, wrong number of arguments", pktgen.cos, 0, 3)
raises("tos, wrong number of arguments", pktgen.tos, 0)
raises("vlanid, wrong number of arguments", pktgen.vlanid, 0)
raises("delay, wrong number of arguments", pktgen.delay)
raises("portStats, wrong number of arguments", pktgen.portStats)
raises("portStats, wrong number of arguments", pktgen.portStats, 0, "port", 1)
raises("isSending, wrong number of arguments", pktgen.isSending)
raises("seq, wrong number of arguments", pktgen.seq, 0, 0)
raises("rnd, wrong number of arguments", pktgen.rnd, 0, 0, 0)

-- port lists
raises("start: invalid portlist 'abc'", pktgen.start, "abc")
raises("set: invalid portlist '3-1'", pktgen.set, "3-1", "size", 64)
raises("linkState: invalid portlist '64'", pktgen.linkState, "64")
raises("isSending: invalid portlist", pktgen.isSending, {})
raises("stop: invalid portlist", pktgen.stop, nil)

-- values
raises("set_mac: invalid MAC string 'xx:yy'", pktgen.set_mac, 0, "src", "xx:yy")
raises("set_ipaddr: invalid IP address '10.0.0.300'", pktgen.set_ipaddr, 0, "dst", "10.0.0.300")
raises("set_ipaddr: invalid IP address 'fe80:::1'", pktgen.set_ipaddr, 0, "src", "fe80:::1")
raises("set does not support bogus", pktgen.set, 0, "bogus", 1)
raises("set: value for 'size' must be a finite number, got 'big'; the range is 64..1518", pktgen.set, 0, "size", "big")
raises("portStats: type must be 'port' or 'rate'", pktgen.portStats, 0, "bytes")
raises("seq: sequence number must be 0..15", pktgen.seq, 16, 0, "00:11:22:33:44:55", "00:11:22:33:44:66",
	"10.0.0.1", "10.0.0.2/24", 1, 2, "ipv4", "udp", 1, 64)
raises("seq: invalid MAC string 'nope'", pktgen.seq, 0, 0, "nope", "00:11:22:33:44:66",
	"10.0.0.1", "10.0.0.2/24", 1, 2, "ipv4", "udp", 1, 64)
raises("seq: Must use IPv4 with ICMP type packets", pktgen.seq, 0, 0, "00:11:22:33:44:55", "00:11:22:33:44:66",
	"::1", "::2/64", 1, 2, "ipv6", "icmp", 1, 80)
raises("seqTable: ethType is required", pktgen.seqTable, 0, 0, { ipProto = "udp" })
raises("range.dst_mac: invalid MAC string", pktgen.range.dst_mac, 0, "start", "zz")
raises("rnd: index must be 0..31", pktgen.rnd, 0, 32, 0, "XXXX")
raises("blink, wrong number of arguments", pktgen.blink, 0)
raises("clock_gettime, wrong number of arguments", pktgen.clock_gettime)
raises("port_restart: invalid portlist", pktgen.port_restart, "zz")
raises("run: kind must be 'cmd' or 'lua'", pktgen.run, "shell", "ls", 0)
raises("load command failed for /nonexistent.pkt", pktgen.load, "/nonexistent.pkt")

-- a bad key on a port list that matches no port raises nothing (Pktgen checks inside the loop)
pktgen.set("63", "bogus", 1)

-- the CLI names the bad line
local cli = require "pktgen.console.cli"
raises("unknown command 'frobnicate' in line 'frobnicate 0'", cli.run_line, "frobnicate 0")
raises("set: invalid portlist 'x'", cli.run_line, "set x size 64")

-- load, loadfile and dofile take source text only: bytecode, whole or corrupted, is refused
local dump = string.dump(function() return 1 end)
local function refused(f, err)
	assert(f == nil and string.find(err, "load: binary (precompiled) chunks are refused", 1, true), tostring(err))
end
for _, chunk in ipairs { dump, string.sub(dump, 1, 20) .. string.rep("\255", 40) } do
	refused(load(chunk))
	refused(load(chunk, "=dump", "b"))
	refused(load(chunk, "=dump", "bt"))
end
assert(load("return 6 * 7")() == 42, "text still loads")
assert(load("return x", "=env", "t", { x = 5 })() == 5, "with an environment")
local binfile = os.tmpname()
local bf = assert(io.open(binfile, "wb"))
bf:write(dump)
bf:close()
local lf, lerr = loadfile(binfile)
assert(lf == nil and string.find(lerr, "loadfile: " .. binfile .. ": binary (precompiled) chunks are refused", 1, true),
	tostring(lerr))
raises("dofile: " .. binfile .. ": binary (precompiled) chunks are refused", dofile, binfile)
bf = assert(io.open(binfile, "w"))
bf:write("return 7")
bf:close()
assert(loadfile(binfile)() == 7 and dofile(binfile) == 7, "text files still load")
os.remove(binfile)

-- after all that, the library still works
pktgen.set(0, "size", 256)
assert(pktgen.portInfo(0)[0].info.pkt_size == 256)
pktgen.reset(0)

printf("errors: ok\n")
