--- Sequence, range and random-bitfield modes: the stream specs handed to the engine, and
-- traffic in each mode (port 0 -> port 1) counted at the receiver.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local config = require "pktgen.internal.config"
local streamspec = require "pktgen.internal.streamspec"

local t = require "testing"
local eq = t.eq

local function spec0()
	return streamspec.spec(config.get(0))
end

local function send(count)
	pktgen.clr()
	pktgen.set(0, "rate", 1)
	t.send(count)
	-- The last packets may still be in the ring; then no more than were sent.
	t.wait_for("port 1 to receive them", function() return pktgen.portStats(1)[1].curr.ipackets >= count end)
	eq("port 1 ipackets", pktgen.portStats(1)[1].curr.ipackets, count)
end

pktgen.reset("all")

-- sequence: 4 slots, sent round-robin
for i = 0, 3 do
	pktgen.seq(i, 0, "00:11:22:33:44:55", "00:11:22:33:44:66", "10.0.0." .. (i + 1), "10.0.1.1/24",
		1000 + i, 2000, "ipv4", i % 2 == 0 and "udp" or "tcp", 1, 64 + 64 * i)
end
pktgen.seqTable(3, 0, { eth_dst_addr = "00:aa:bb:cc:dd:ee", ip_dst_addr = "10.0.0.99", ip_src_addr = "10.0.1.1/24",
	sport = 9, dport = 10, ethType = "ipv4", ipProto = "udp", pktSize = 128.0, tlen = 42 })
pktgen.set(0, "seq_cnt", 4)
local s = spec0()
eq("sequence templates", #s.templates, 4)
eq("slot 1 length (no FCS)", #s.templates[2].data, 124)
eq("slot 3 length from seqTable", #s.templates[4].data, 124)
eq("slot 3 dst MAC", string.format("%02x", s.templates[4].data:byte(1)), "00")
eq("slot 3 dst MAC byte 2", s.templates[4].data:byte(2), 0xaa)
send(100)
pktgen.set(0, "seq_cnt", 0)
eq("single again", #spec0().templates, 1)

-- range: dst IP walks .1 .. .4, dst port walks, sizes walk 64..128 step 32
pktgen.range.dst_ip(0, "start", "192.168.1.1")
pktgen.range.dst_ip(0, "min", "192.168.1.1")
pktgen.range.dst_ip(0, "max", "192.168.1.4")
pktgen.range.dst_ip(0, "inc", "0.0.0.1")
pktgen.range.dst_port(0, "inc", 100) -- capped at 64
pktgen.range.pkt_size(0, "start", 64)
pktgen.range.pkt_size(0, "max", 128)
pktgen.range.pkt_size(0, "inc", 32)
pktgen.range.ip_proto(0, "udp")
pktgen.range.src_ip(0, "bogus", "1.2.3.4") -- unknown "what": ignored
pktgen.set_range(0, "on")
s = spec0()
eq("range templates", #s.templates, 1)
local dip, dport
for _, f in ipairs(s.fields) do
	if f.offset == 30 then dip = f end
	if f.offset == 36 then dport = f end
end
assert(dip, "no dst IP field at offset 30")
eq("dst ip width", dip.width, 4)
eq("dst ip max", dip.max, (192 << 24) | (168 << 16) | (1 << 8) | 4)
eq("dst ip step", dip.step, 1)
assert(dport, "no dst port field at offset 36")
eq("dst port step capped", dport.step, 64)
eq("size walk min", s.size.min, 60)
eq("size walk max", s.size.max, 124)
eq("size walk step", s.size.step, 32)
send(50)
pktgen.set_range(0, "off")
assert(spec0().fields == nil, "single mode has no fields")

-- random bitfields: randomise the low byte of the source IP (offset 26 + 3)
pktgen.rnd(0, 0, 26, "........ ........ ........ XXXXXXXX")
pktgen.rnd(0, 1, 30, "11111111")
s = spec0()
eq("random fields", #s.fields, 2)
eq("field 0 offset", s.fields[1].offset, 26)
eq("field 0 random", s.fields[1].random, 0xff)
eq("field 0 keep", s.fields[1].keep, 0xffffff00)
eq("field 1 set", s.fields[2].set, 0xff000000)
local rl = pktgen.rnd_list(0)[0]
eq("rnd_list active", rl[0].active, "Yes")
eq("rnd_list mask", rl[0].mask, "........ ........ ........ XXXXXXXX")
eq("rnd_list offset", rl[1].offset, 30)
send(20)
-- rnd cancels range mode; "off" disables an index
pktgen.set_range(0, "on")
pktgen.rnd(0, 1, 30, "off")
eq("range cancelled by rnd", config.get(0).mode, "single")
pktgen.rnd(0, 0, 26, "off")
assert(spec0().fields == nil, "no fields once every bitfield is off")

pktgen.reset("all")
printf("modes: ok\n")
