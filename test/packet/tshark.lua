--- Frames for runtime/tests/packet.rs: every layer and option the packet library builds, written
-- to a pcap file and sent by a stream (port 0 into port 1, captured), with what tshark must
-- read in each, taken from the Lua tables; and frames text2pcap wrote, decoded back.
-- Env: PG_DIR (output directory), PG_T2P (text2pcap's file). Not in test/lua: it needs them.
package.path = package.path .. ";test/?.lua"
local engine = require "engine"
local packet = require "packet"
local wait_for = require("testing").wait_for
local P = packet
local dir = os.getenv("PG_DIR")

-- Each case: a packet, and the checksums asked to be wrong (tshark must call them bad).
local lladdr = P.lladdr
local cases = {
	{ P.Ether { dst = "0a:0b:0c:0d:0e:0f", src = "02:11:22:33:44:55" } / P.IPv4 { tos = 0xb8, id = 4321, df = 1, ttl = 17,
		src = "192.0.2.1", dst = "198.51.100.7" } / P.UDP { sport = 5353, dport = 53 } / P.Payload { size = 21, pattern = "inc" } },
	{ P.Ether {} / P.IPv4 { options = "\148\4\0\0", mf = 1, rf = 0, frag = 0, id = 9 } / P.Payload { size = 8, pattern = "ff" } },
	{ P.Ether {} / P.IPv4 { frag = 185 } / P.Payload { size = 12 } },
	{ P.Ether {} / P.Dot1Q { pcp = 5, dei = 1, id = 100 } / P.IPv4 {} / P.ICMP { id = 77, seq = 3 } / P.Payload "ping" },
	{ P.Ether {} / P.Dot1Q { tpid = 0x88a8, id = 300 } / P.Dot1Q { id = 4094, pcp = 7 } / P.IPv4 {} / P.ICMP { type = 0, code = 0, id = 1, seq = 2 } },
	{ P.Ether {} / P.MPLS { label = 1000, tc = 5, ttl = 9 } / P.MPLS { label = 0xfffff, ttl = 1 } / P.IPv4 {} / P.UDP {} },
	{ P.Ether { dst = "ff:ff:ff:ff:ff:ff" } / P.ARP { op = 2, hwsrc = "02:aa:bb:cc:dd:ee", psrc = "10.1.2.3", hwdst = "02:00:00:00:00:09", pdst = "10.1.2.4" } },
	{ P.Ether {} / P.IPv4 {} / P.TCP { sport = 40000, dport = 443, seq = 123456789, ack = 987654321, flags = "SA", window = 29200,
		options = { { "mss", 1460 }, { "sack_ok" }, { "timestamp", 100, 200 }, "nop", { "wscale", 7 } } } },
	{ P.Ether {} / P.IPv4 {} / P.TCP { flags = { "fin", "psh", "ack", "urg" }, urgptr = 5, options = { "nop", "nop", { "raw", 30, "\1\2\3\4\5\6" }, "eol" } } / P.Payload "hello" },
	{ P.Ether {} / P.IPv6 { tc = 0xa0, fl = 0x12345, hlim = 9, src = "2001:db8::1", dst = "2001:db8:0:1::2" } / P.UDP { sport = 1, dport = 2 } / P.Payload "v6" },
	{ P.Ether {} / P.IPv6 {} / P.HopByHop { options = "\5\2\0\0" } / P.DestOpts {} / P.UDP {} / P.Payload { size = 7 } },
	{ P.Ether {} / P.IPv6 { dst = "fd00::c" } / P.SRH { segments = { "fd00::a", "fd00::b", "fd00::c" }, tag = 42 } / P.UDP { dport = 7 } / P.Payload "srh" },
	{ P.Ether {} / P.IPv6 {} / P.Fragment { id = 0xabcdef, m = 1 } / P.Payload { size = 16 } },
	{ P.Ether {} / P.IPv6 {} / P.ICMPv6Echo { id = 5, seq = 6 } / P.Payload "x" },
	{ P.Ether {} / P.IPv6 { dst = "ff02::1:ff00:99", hlim = 255 } / P.ICMPv6NS { target = "fd00::99", options = lladdr(1, "02:00:00:00:00:01") } },
	{ P.Ether {} / P.IPv6 { hlim = 255 } / P.ICMPv6NA { r = 1, s = 1, o = 0, target = "fd00::99", options = lladdr(2, "02:00:00:00:00:02") } },
	{ P.Ether {} / P.IPv6 {} / P.TCP { flags = "S", options = { { "mss", 8940 } } } },
	{ P.Ether {} / P.IPv4 {} / P.GRE { key = 0x1234, seq = 77, c = 1 } / P.IPv4 { src = "172.16.0.1" } / P.UDP {} / P.Payload "gre" },
	{ P.Ether {} / P.IPv4 {} / P.GRE {} / P.IPv6 {} / P.ICMPv6Echo {} },
	{ P.Ether {} / P.IPv4 {} / P.UDP {} / P.VXLAN { vni = 0xabcde } / P.Ether { src = "02:00:00:00:0a:0b" } / P.IPv4 { dst = "192.168.7.7" } / P.UDP { dport = 9 } / P.Payload "in" },
	{ P.Ether {} / P.IPv4 {} / P.UDP {} / P.GENEVE { vni = 77, options = { { class = 0x0102, type = 0x80, data = "\1\2\3\4" }, { class = 0xffff, type = 1, data = "" } } }
		/ P.Ether {} / P.IPv6 {} / P.UDP {} },
	{ P.Ether {} / P.IPv4 {} / P.UDP {} / P.GTPU { teid = 0xdeadbeef, seq = 99 } / P.IPv4 { src = "100.64.0.1" } / P.TCP {} },
	{ P.Ether {} / P.IPv6 {} / P.UDP {} / P.GTPU { teid = 7 } / P.IPv6 { src = "fd00::77" } / P.UDP {} },
	-- Wrong checksums asked for: tshark must call exactly these bad.
	{ P.Ether {} / P.IPv4 { chksum = 0x1111 } / P.UDP { chksum = 0x2222 } / P.Payload "bad", bad = true },
	{ P.Ether {} / P.IPv4 {} / P.TCP { chksum = 0x3333 }, bad = true },
	{ P.Ether {} / P.IPv4 {} / P.ICMP { chksum = 0x4444 }, bad = true },
	{ P.Ether {} / P.IPv6 {} / P.ICMPv6Echo { chksum = 0x5555 }, bad = true },
}

-- What tshark must read for each layer: {tshark field, value from the Lua layer}. Checksums are
-- checked by value and by tshark's own validation ("status": 1 good, 0 bad).
local function hexn(n) return string.format("0x%x", n) end
local function status(L) return rawget(L, "bad") and 0 or 1 end
local function tcp_opts(L, out)
	for _, o in ipairs(L.options) do
		if o[1] == "mss" then
			out[#out + 1] = { "tcp.options.mss_val", o[2] }
		elseif o[1] == "wscale" then
			out[#out + 1] = { "tcp.options.wscale.shift", o[2] }
		elseif o[1] == "timestamp" then
			out[#out + 1] = { "tcp.options.timestamp.tsval", o[2] }
			out[#out + 1] = { "tcp.options.timestamp.tsecr", o[3] }
		end
		local kinds = { eol = 0, nop = 1, mss = 2, wscale = 3, sack_ok = 4, timestamp = 8 }
		out[#out + 1] = { "tcp.option_kind", kinds[o[1]] or o[2] }
	end
end
local MAP = {
	ether = function(L) return { { "eth.dst", L.dst }, { "eth.src", L.src }, { "eth.type", L.type } } end,
	dot1q = function(L)
		-- A 0x88a8 service tag is tshark's 802.1ad, whose type it names no field for.
		if L.tpid == 0x88a8 then
			return { { "ieee8021ad.priority", L.pcp }, { "ieee8021ad.dei", L.dei }, { "ieee8021ad.id", L.id } }
		end
		return { { "vlan.priority", L.pcp }, { "vlan.dei", L.dei }, { "vlan.id", L.id }, { "vlan.etype", L.type } }
	end,
	mpls = function(L)
		return { { "mpls.label", L.label }, { "mpls.exp", L.tc }, { "mpls.bottom", L.s }, { "mpls.ttl", L.ttl } }
	end,
	arp = function(L)
		return { { "arp.hw.type", L.hwtype }, { "arp.proto.type", L.ptype }, { "arp.opcode", L.op },
			{ "arp.src.hw_mac", L.hwsrc }, { "arp.src.proto_ipv4", L.psrc }, { "arp.dst.hw_mac", L.hwdst },
			{ "arp.dst.proto_ipv4", L.pdst } }
	end,
	ipv4 = function(L)
		return { { "ip.version", L.version }, { "ip.hdr_len", L.ihl * 4 }, { "ip.dsfield", L.tos }, { "ip.len", L.len },
			{ "ip.id", L.id }, { "ip.flags.rb", L.rf }, { "ip.flags.df", L.df }, { "ip.flags.mf", L.mf },
			{ "ip.frag_offset", L.frag }, { "ip.ttl", L.ttl }, { "ip.proto", L.proto }, { "ip.checksum", L.chksum },
			{ "ip.checksum.status", status(L) }, { "ip.src", L.src }, { "ip.dst", L.dst } }
	end,
	ipv6 = function(L)
		return { { "ipv6.version", L.version }, { "ipv6.tclass", L.tc }, { "ipv6.flow", L.fl }, { "ipv6.plen", L.plen },
			{ "ipv6.nxt", L.nh }, { "ipv6.hlim", L.hlim }, { "ipv6.src", L.src }, { "ipv6.dst", L.dst } }
	end,
	hopbyhop = function(L) return { { "ipv6.hopopts.nxt", L.nh }, { "ipv6.hopopts.len", L.len } } end,
	destopts = function(L) return { { "ipv6.dstopts.nxt", L.nh }, { "ipv6.dstopts.len", L.len } } end,
	srh = function(L)
		local out = { { "ipv6.routing.nxt", L.nh }, { "ipv6.routing.len", L.len }, { "ipv6.routing.type", L.type },
			{ "ipv6.routing.segleft", L.segleft }, { "ipv6.routing.srh.last_entry", L.lastentry },
			{ "ipv6.routing.srh.tag", string.format("%04x", L.tag) } }
		for _, s in ipairs(L.segments) do
			out[#out + 1] = { "ipv6.routing.srh.addr", s }
		end
		return out
	end,
	fragment = function(L)
		return { { "ipv6.fraghdr.nxt", L.nh }, { "ipv6.fraghdr.offset", L.offset }, { "ipv6.fraghdr.more", L.m },
			{ "ipv6.fraghdr.ident", L.id } }
	end,
	udp = function(L)
		return { { "udp.srcport", L.sport }, { "udp.dstport", L.dport }, { "udp.length", L.len },
			{ "udp.checksum", L.chksum }, { "udp.checksum.status", status(L) } }
	end,
	tcp = function(L)
		local out = { { "tcp.srcport", L.sport }, { "tcp.dstport", L.dport }, { "tcp.seq_raw", L.seq },
			{ "tcp.ack_raw", L.ack }, { "tcp.hdr_len", L.dataofs * 4 }, { "tcp.flags", L.flags },
			{ "tcp.window_size_value", L.window }, { "tcp.checksum", L.chksum }, { "tcp.checksum.status", status(L) },
			{ "tcp.urgent_pointer", L.urgptr } }
		tcp_opts(L, out)
		return out
	end,
	icmp = function(L)
		return { { "icmp.type", L.type }, { "icmp.code", L.code }, { "icmp.checksum", L.chksum },
			{ "icmp.checksum.status", status(L) }, { "icmp.ident", L.id }, { "icmp.seq", L.seq } }
	end,
	icmpv6 = function(L)
		local out = { { "icmpv6.type", L.type }, { "icmpv6.code", L.code }, { "icmpv6.checksum", L.chksum },
			{ "icmpv6.checksum.status", status(L) } }
		local title = rawget(L, "kind").title
		if title == "ICMPv6Echo" then
			out[#out + 1] = { "icmpv6.echo.identifier", L.id }
			out[#out + 1] = { "icmpv6.echo.sequence_number", L.seq }
		elseif title == "ICMPv6NS" then
			out[#out + 1] = { "icmpv6.nd.ns.target_address", L.target }
			out[#out + 1] = { "icmpv6.opt.linkaddr", require("packet.addr").mac_text(string.sub(L.options, 3, 8)) }
		elseif title == "ICMPv6NA" then
			out[#out + 1] = { "icmpv6.nd.na.flag.r", L.r }
			out[#out + 1] = { "icmpv6.nd.na.flag.s", L.s }
			out[#out + 1] = { "icmpv6.nd.na.flag.o", L.o }
			out[#out + 1] = { "icmpv6.nd.na.target_address", L.target }
			out[#out + 1] = { "icmpv6.opt.linkaddr", require("packet.addr").mac_text(string.sub(L.options, 3, 8)) }
		end
		return out
	end,
	gre = function(L)
		local out = { { "gre.flags.checksum", L.c }, { "gre.flags.key", L.k }, { "gre.flags.sequence_number", L.s },
			{ "gre.flags.version", L.ver }, { "gre.proto", L.proto } }
		if L.c == 1 then
			out[#out + 1] = { "gre.checksum", L.chksum }
			out[#out + 1] = { "gre.checksum.status", 1 }
		end
		if L.k == 1 then
			out[#out + 1] = { "gre.key", L.key }
		end
		if L.s == 1 then
			out[#out + 1] = { "gre.sequence_number", L.seq }
		end
		return out
	end,
	vxlan = function(L) return { { "vxlan.flags", L.flags << 8 }, { "vxlan.vni", L.vni } } end,
	geneve = function(L)
		local out = { { "geneve.version", L.ver }, { "geneve.proto_type", L.proto },
			{ "geneve.vni", L.vni }, { "geneve.option.length", L.optlen * 4 } }
		for _, o in ipairs(L.options) do
			out[#out + 1] = { "geneve.option.class", o.class }
			out[#out + 1] = { "geneve.option.type", o.type }
			out[#out + 1] = { "geneve.option.length", 4 + #o.data }
		end
		return out
	end,
	gtpu = function(L)
		local out = { { "gtp.flags.version", L.version }, { "gtp.flags.payload", L.pt }, { "gtp.flags.s", L.s },
			{ "gtp.message", L.type }, { "gtp.length", L.len }, { "gtp.teid", L.teid } }
		if L.s == 1 then
			out[#out + 1] = { "gtp.seq_number", L.seq }
		end
		return out
	end,
	payload = function() return {} end,
	padding = function() return {} end,
}

--- Lines "file<TAB>frame<TAB>field<TAB>occurrence<TAB>value" for packet `p`, frame `i`.
-- `bad[j]`: layer j's checksum was asked to be wrong.
local function expectations(file, i, p, bad, out)
	local seen = {}
	for j = 1, #p do
		local L = p:layer(j)
		rawset(L, "bad", bad and bad[j])
		for _, fv in ipairs(MAP[rawget(L, "kind").name](L)) do
			local f, v = fv[1], fv[2]
			seen[f] = (seen[f] or 0) + 1
			if math.type(v) == "integer" then
				v = hexn(v)
			end
			out[#out + 1] = string.format("%s\t%d\t%s\t%d\t%s", file, i, f, seen[f], tostring(v))
		end
	end
end

local out, frames = {}, {}
for i, c in ipairs(cases) do
	frames[i] = { data = c[1]:bytes(), time_ns = 1000000000 + i * 1000 }
	local bad = {}
	for j = 1, #c[1] do
		bad[j] = c.bad and rawget(c[1]:layer(j), "v").chksum ~= nil
	end
	c.bad = bad
	expectations("built", i, c[1], c.bad, out)
end
engine.write_pcap(dir .. "/built.pcap", frames)

-- text2pcap's frames: decoded, encoded back to the same bytes, and their fields for tshark.
for i, f in ipairs(engine.read_pcap(os.getenv("PG_T2P"))) do
	local d = packet.decode(f.data)
	assert(d:bytes() == f.data, "text2pcap frame " .. i .. " does not encode back to its bytes:\n" .. d:show())
	expectations("t2p", i, d, nil, out)
	out[#out + 1] = string.format("show\t%d\t%s", i, (string.gsub(d:show(), "\n", "|")))
end

-- Through a stream of them all (`frames =`): port 0 sends every frame once, in turn, and port 1
-- captures them unchanged (short ones padded to Ethernet's 60 bytes).
local wire, built = {}, {}
for i, f in ipairs(frames) do
	wire[i] = f.data .. string.rep("\0", 60 - #f.data)
	built[i] = cases[i][1]
end
engine.capture_start(1)
pktgen.streams.add(0, { name = "cases", frames = built, count = #built, rate = "10kpps", latency = false })
pktgen.streams.start(0, "cases")
wait_for("port 1 to receive " .. #wire .. " frames", function()
	local n = engine.stats(1).rx_packets
	return n >= #wire, n
end)
local n, dropped, got = engine.capture_stop(1)
assert(n == #wire and dropped == 0, string.format("captured %d (dropped %d) of %d", n, dropped, #wire))
for i = 1, n do
	assert(got[i].data == wire[i], "frame " .. i .. " changed crossing the engine:\n" .. packet.decode(got[i].data):show())
	-- What arrived decodes to the fields it was built from.
	local a, b = {}, {}
	expectations("built", i, cases[i][1], cases[i].bad, a)
	expectations("built", i, packet.decode(got[i].data), cases[i].bad, b)
	assert(table.concat(a, "\n") == table.concat(b, "\n"), "frame " .. i .. " decodes to other fields:\n"
		.. packet.decode(got[i].data):show())
end
engine.write_pcap(dir .. "/wire.pcap", got)

local fh = assert(io.open(dir .. "/expect.txt", "w"))
fh:write(table.concat(out, "\n"), "\n")
fh:close()
print("packet tshark frames: ok " .. #cases .. " frames")
