--- The native engine module's contract (docs/ENGINE_MODULE.md) as seen from Lua, on the embedded
-- default's two back-to-back ring ports.
package.path = package.path .. ";test/?.lua"
local engine = require "engine"
-- fails also checks that errors are plain strings with the engine's text, not userdata.
local t = require "testing"
local eq, fails = t.eq, t.fails

eq("require twice", require "engine", engine)
eq("ports", engine.ports(), 2)
eq("max_frame", engine.max_frame(), 1514)
assert(engine.tsc_hz() > 0)
assert(string.match(engine.dpdk_version(), "^DPDK %d+%.%d+"))

local i = engine.info(1)
eq("info.id", i.id, 1)
eq("info.driver", i.driver, "net_ring")
assert(string.match(i.mac, "^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$"), i.mac)
eq("info.link_up", i.link_up, true)
eq("info.speed", i.speed, 10000)
eq("info.duplex", i.duplex, "FD")

for _, k in ipairs { "pktgen_version", "pktgen_copyright", "pktgen_authors", "lua_release", "lua_copyright", "lua_authors", "dpdk_version" } do
	eq("type(build." .. k .. ")", type(engine.build[k]), "string")
end
assert(string.match(engine.build.lua_release, "^Lua 5%.4%.%d+$"), engine.build.lua_release)
eq("pcap_files", type(engine.pcap_files), "table")

fails("port 7 does not exist (this instance has 2 ports)", engine.info, 7)
fails("port -1 does not exist", engine.stats, -1)
fails("engine.info: port must be an integer, got string \"x\"", engine.info, "x")
fails("engine.start: spec.fields[2].width must be 1, 2, 4 or 6", engine.start, 0, {
	templates = { { data = string.rep("\0", 60) } },
	fields = { { offset = 0, width = 1, start = 0 }, { offset = 0, width = 3, start = 0 } },
})
fails("engine.start: spec.templates is required", engine.start, 0, {})
fails("engine.start: spec.burst must be an integer in 1..=256, got 300", engine.start, 0, { templates = { { data = string.rep("\0", 60) } }, burst = 300 })
fails("invalid stream: rate 200% is outside", engine.start, 0, { templates = { { data = string.rep("\0", 60) } }, rate = { percent = 200 } })
fails("outside 60..=", engine.start, 0, { templates = { { data = "short" } } })
fails("engine.promiscuous: expected a boolean", engine.promiscuous, 0, "on")
fails("engine.sleep: ms must be a number", engine.sleep, "x")

-- An IPv4/UDP frame, 60 bytes: checksums and lengths are the engine's business.
local frame = string.rep("\255", 6) .. "\2\0\0\0\0\1" .. "\8\0"
	.. "\69\0\0\0\0\0\0\0\64\17\0\0" .. "\10\0\0\1" .. "\10\0\0\2"
	.. "\4\210\22\46\0\0\0\0" .. string.rep("\0", 18)
eq("#frame", #frame, 60)
engine.clear(0)
engine.clear(1)
engine.start(0, {
	templates = { { data = frame, checksums = { { kind = "ipv4", l3 = 14 }, { kind = "udp", l3 = 14, l4 = 34 } },
		lengths = { { offset = 16, adjust = 14 }, { offset = 38, adjust = 34 } } } },
	fields = { { offset = 30, width = 4, start = 0x0a000002, min = 0x0a000002, max = 0x0a0000ff, step = 1 } },
	size = { start = 60, min = 60, max = 200, step = 7 },
	rate = { pps = 20000 },
	count = 500,
	burst = 16,
})
fails("port 0 is sending", engine.start, 0, { templates = { { data = frame } } })
eq("sending", engine.sending(0), true)
eq("wait", engine.wait(0, 10000), true)
eq("sending after wait", engine.sending(0), false)
-- The last burst may still be in the ring: wait for it, then every count is exact.
t.wait_for("port 1 to receive 500", function() return engine.stats(1).rx_packets >= 500 end)
local s0, s1 = engine.stats(0), engine.stats(1)
eq("tx_packets", s0.tx_packets, 500)
eq("rx_packets", s1.rx_packets, 500)
assert(s1.rx_bytes > 500 * 60, s1.rx_bytes)
eq("type(sizes._65_127)", math.type(s1.sizes._65_127), "integer")
eq("broadcast", s1.sizes.broadcast, 500)
eq("multicast", s1.sizes.multicast, 0)
-- Sizes walk 60, 67, ... 200 and wrap: count each bucket (with FCS) as the receiver must.
local want, size = { _64 = 0, _65_127 = 0, _128_255 = 0 }, 60
for _ = 1, 500 do
	local b = size + 4 == 64 and "_64" or size + 4 < 128 and "_65_127" or "_128_255"
	want[b] = want[b] + 1
	size = size + 7 > 200 and 60 or size + 7
end
for b, v in pairs(want) do
	eq("sizes." .. b, s1.sizes[b], v)
end
eq("sizes.runt", s1.sizes.runt, 0)
eq("kinds.ipv4", s1.kinds.ipv4, 500)
eq("kinds.unknown", s1.kinds.unknown, 0)
eq("kinds.vlan", s1.kinds.vlan, 0)
eq("type(hw.ipackets)", math.type(s1.hw.ipackets), "integer")
local r = engine.rates(0)
for _, k in ipairs { "rx_pps", "tx_pps", "rx_bps", "tx_bps" } do
	eq("type(rates." .. k .. ")", type(r[k]), "number")
end
engine.clear(1)
eq("rx after clear", engine.stats(1).rx_packets, 0)

-- wait times out on a port that keeps sending; stop lets go at once.
engine.start(0, { templates = { { data = frame } }, rate = { percent = 1 } })
eq("wait timeout", engine.wait(0, 30), false)
engine.stop(0)
eq("sending after stop", engine.sending(0), false)
engine.stop(0) -- stopping a stopped port is fine

engine.promiscuous(0, true)
eq("type(xstats)", type(engine.xstats(0)), "table")
engine.display(false)
eq("display", engine.display(), false)
engine.display(true)

-- sleep really waits: a second and a bit moves the wall clock's second by at least one.
local t0 = os.time()
engine.sleep(1001)
assert(os.time() - t0 >= 1, "engine.sleep(1001) took less than a second")

-- debug.traceback is there for xpcall(f, debug.traceback).
local ok, tb = xpcall(function() error("deep") end, debug.traceback)
eq("xpcall ok", ok, false)
assert(string.find(tb, "deep", 1, true) and string.find(tb, "stack traceback:", 1, true), tb)

-- The slot layout and the frame fix-ups come from the engine, so Lua repeats neither.
eq("slots.count", engine.slots.count, 64)
eq("slots.own", engine.slots.own, 0)
eq("slots.first_user", engine.slots.first_user, 1)
eq("slots.last_user", engine.slots.last_user, 62)
eq("slots.probe", engine.slots.probe, 63)
fails("engine.stream_stop: slot must be an integer 0..63, got 64", engine.stream_stop, 0, 64)
do
	-- IPv4/UDP, 60 bytes, lengths and checksums zero: engine.frame sets them.
	local raw = string.rep("\255", 6) .. "\2\0\0\0\0\1" .. "\8\0"
		.. "\69\0\0\0\0\0\0\0\64\17\0\0" .. "\10\0\0\1" .. "\10\0\0\2"
		.. "\4\210\22\46\0\0\0\0" .. string.rep("\0", 18)
	local f = engine.frame({ data = raw,
		checksums = { { kind = "udp", l3 = 14, l4 = 34 }, { kind = "ipv4", l3 = 14 } },
		lengths = { { offset = 16, adjust = 14 }, { offset = 38, adjust = 34 } } })
	eq("#frame", #f, 60)
	eq("ip total length", string.unpack(">I2", f, 17), 46)
	eq("udp length", string.unpack(">I2", f, 39), 26)
	-- A header with its checksum sums to 0xffff (one's complement).
	local function sum(s, from, to, acc)
		for k = from, to - 1, 2 do
			acc = acc + string.unpack(">I2", s, k + 1)
		end
		while acc > 0xffff do
			acc = (acc & 0xffff) + (acc >> 16)
		end
		return acc
	end
	eq("ipv4 header checksum", sum(f, 14, 34, 0), 0xffff)
	eq("udp checksum", sum(f, 34, 60, sum(f, 26, 34, 17 + 26)), 0xffff)
	fails("does not point at an IPv4/IPv6 packet", engine.frame, { data = raw, checksums = { { kind = "ipv4", l3 = 50 } } })
	-- sum16: RFC 1071's arithmetic on a published IPv4 header (checksum 0xb861, zeroed here),
	-- an odd byte padded, and a start folded in.
	local hdr = string.char(0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7)
	eq("sum16 of a header", engine.sum16(hdr), 0xffff - 0xb861)
	eq("sum16 of an odd byte", engine.sum16("\1"), 0x100)
	eq("sum16 with a start", engine.sum16("\0\1", 0x1ffff), 2) -- 0x1ffff + 1 folds to 2
	fails("engine.sum16: bytes must be a string", engine.sum16, 5)
end

print("engine module: ok")
