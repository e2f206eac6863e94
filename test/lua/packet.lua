--- The packet library (require "packet"): defaults, filled-in numbers, lengths and checksums,
-- offsets, decode round trips for every layer, and every error naming its layer, field and value.
-- tshark checks the same frames independently in runtime/tests/packet.rs.
package.path = package.path .. ";test/?.lua"
local engine = require "engine"
local packet = require "packet"
local t = require "testing"
local eq, fails, check = t.eq, t.fails, t.check
local P = packet

local function hex(s)
	return (string.gsub(s, ".", function(c) return string.format("%02x", c:byte()) end))
end

-- 1. Defaults: a 42-byte Ether/IPv4/UDP with every number and length filled in.
local p = P.Ether {} / P.IPv4 {} / P.UDP {}
eq("default frame length", p:len(), 42)
eq("layers", #p, 3)
eq("ethertype", p.ether.type, 0x0800)
eq("ipv4.ihl", p.ipv4.ihl, 5)
eq("ipv4.len", p.ipv4.len, 28)
eq("ipv4.proto", p.ipv4.proto, 17)
eq("ipv4.ttl", p.ipv4.ttl, 64)
eq("udp.len", p.udp.len, 8)
eq("udp.dport", p.udp.dport, 5678)
eq("src", p.ipv4.src, "10.0.0.1")
eq("hex is bytes", p:hex(), hex(p:bytes()))
eq("list form", P.stack { P.Ether {}, P.IPv4 {}, P.UDP {} }:hex(), p:hex())
eq("layer(2)", p:layer(2), p.ipv4)
eq("no such layer", p.tcp, nil)
eq("no tunnel, no inner layer", p.inner.ipv4, nil)

-- 2. The IPv4 checksum of a known header (RFC 1071's sum, Wikipedia's worked example: b861).
local known = P.Ether {} / P.IPv4 { len = 0x73, id = 0, df = 1, ttl = 64, proto = 17,
	src = "192.168.0.1", dst = "192.168.0.199" }
eq("known header checksum", known.ipv4.chksum, 0xb861)
eq("known header bytes", string.sub(known:hex(), 29),
	"450000730000400040" .. "11b861c0a80001c0a800c7")
-- A known UDP checksum, computed by hand over pseudo-header + header + "\1\2".
local u = P.Ether {} / P.IPv4 { src = "10.0.0.1", dst = "10.0.0.2" } / P.UDP { sport = 1, dport = 2 } / P.Payload "\1\2"
-- 0a00+0001+0a00+0002+0011+000a (pseudo) + 0001+0002+000a (udp) + 0102 = 0x152d, ~ = 0xead2
eq("known udp checksum", u.udp.chksum, 0xead2)
-- An explicit (wrong) checksum is kept, and its neighbours are still filled in.
local bad = P.Ether {} / P.IPv4 { chksum = 0x1234 } / P.UDP { chksum = 0xbeef }
local off = bad:offset("ipv4.chksum")
eq("kept ipv4 checksum", string.unpack(">I2", bad:bytes(), off + 1), 0x1234)
eq("kept udp checksum", string.unpack(">I2", bad:bytes(), bad:offset("udp.chksum") + 1), 0xbeef)
eq("length still filled", bad.ipv4.len, 28)

-- 3. Next-protocol numbers and lengths through every family.
local q = P.Ether {} / P.Dot1Q { tpid = 0x88a8, id = 100 } / P.Dot1Q { id = 200, pcp = 5, dei = 1 } / P.IPv4 {}
eq("QinQ outer ethertype", q.ether.type, 0x88a8)
eq("QinQ inner tpid", q.dot1q.type, 0x8100)
eq("inner tag's type", q["dot1q#2"].type, 0x0800)
eq("tag bytes", string.sub(q:hex(), 29, 44), "0064" .. "8100" .. "b0c8" .. "0800")
local m = P.Ether {} / P.MPLS { label = 100 } / P.MPLS { label = 200, tc = 3 } / P.IPv4 {}
eq("mpls ethertype", m.ether.type, 0x8847)
eq("mpls s on first", m.mpls.s, 0)
eq("mpls s on last", m["mpls#2"].s, 1)
eq("mpls bytes", string.sub(m:hex(), 29, 44), "00064040" .. "000c8740")
eq("arp ethertype", (P.Ether {} / P.ARP {}).ether.type, 0x0806)
eq("arp length", (P.Ether {} / P.ARP {}):len(), 42)
local v6 = P.Ether {} / P.IPv6 {} / P.HopByHop {} / P.DestOpts { options = "\1\2\0\0" } / P.SRH { segments = { "fd00::a", "fd00::b", "fd00::c" } }
	/ P.Fragment {} / P.UDP {} / P.Payload { size = 10 }
eq("ipv6 nh", v6.ipv6.nh, 0)
eq("hbh nh", v6.hopbyhop.nh, 60)
eq("hbh len", v6.hopbyhop.len, 0)
eq("hbh padded", #v6.hopbyhop.options, 6)
eq("destopts nh", v6.destopts.nh, 43)
eq("srh nh", v6.srh.nh, 44)
eq("srh len", v6.srh.len, 6)
eq("srh segleft", v6.srh.segleft, 2)
eq("srh lastentry", v6.srh.lastentry, 2)
eq("frag nh", v6.fragment.nh, 17)
eq("ipv6 plen", v6.ipv6.plen, 8 + 8 + 56 + 8 + 8 + 10)
eq("ipv6 frame", v6:len(), 14 + 40 + 98)
eq("icmpv6 nh", (P.Ether {} / P.IPv6 {} / P.ICMPv6Echo {}).ipv6.nh, 58)
eq("no next header", (P.Ether {} / P.IPv6 {}).ipv6.nh, 59)
eq("icmp proto", (P.Ether {} / P.IPv4 {} / P.ICMP {}).ipv4.proto, 1)
eq("tcp proto", (P.Ether {} / P.IPv4 {} / P.TCP {}).ipv4.proto, 6)
eq("gre proto", (P.Ether {} / P.IPv4 {} / P.GRE {}).ipv4.proto, 47)
local function udp_to(tun) return (P.Ether {} / P.IPv4 {} / P.UDP {} / tun).udp.dport end
eq("vxlan port", udp_to(P.VXLAN {}), 4789)
eq("geneve port", udp_to(P.GENEVE {}), 6081)
eq("gtpu port", udp_to(P.GTPU {}), 2152)
eq("given port kept", (P.Ether {} / P.IPv4 {} / P.UDP { dport = 8472 } / P.VXLAN {}).udp.dport, 8472)
local g = P.Ether {} / P.IPv4 {} / P.GRE { key = 7, seq = 9, c = 1 } / P.IPv6 {}
eq("gre k", g.gre.k, 1)
eq("gre s", g.gre.s, 1)
eq("gre proto ipv6", g.gre.proto, 0x86dd)
eq("gre header length", g:len(), 14 + 20 + 16 + 40)
eq("gre to ether", (P.Ether {} / P.IPv4 {} / P.GRE {} / P.Ether {}).gre.proto, 0x6558)
local gn = P.Ether {} / P.IPv4 {} / P.UDP {} / P.GENEVE { options = { { class = 0x0102, type = 0x80, data = "\1\2\3" } } } / P.IPv4 {}
eq("geneve optlen", gn.geneve.optlen, 2)
eq("geneve proto", gn.geneve.proto, 0x0800)
eq("geneve data padded", gn.geneve.options[1].data, "\1\2\3\0")
local gt = P.Ether {} / P.IPv4 {} / P.UDP {} / P.GTPU { teid = 5, seq = 3 } / P.IPv4 {}
eq("gtpu s", gt.gtpu.s, 1)
eq("gtpu len", gt.gtpu.len, 4 + 20)
eq("inner reaches past the tunnel", gt.inner.ipv4, gt["ipv4#2"])
local tcp = P.Ether {} / P.IPv4 {} / P.TCP { flags = "SA", options = { { "mss", 1460 }, "nop", { "wscale", 7 } } }
eq("tcp flags SA", tcp.tcp.flags, 0x12)
eq("flags by name", (P.TCP { flags = { "syn", "ack" } }).flags, 0x12)
eq("flags as text", (P.TCP { flags = "fin,psh" }).flags, 0x09)
eq("tcp options aligned", #tcp.tcp.options, 3)
eq("tcp options padded with eol", P.TCP { options = { { "wscale", 7 } } }.options[2][1], "eol")
eq("tcp dataofs", tcp.tcp.dataofs, 7)

-- 4. Payload patterns; a random payload stays as made.
eq("inc", P.Payload { size = 4, pattern = "inc" }.data, "\0\1\2\3")
eq("ff", P.Payload { size = 2, pattern = "ff" }.data, "\255\255")
eq("zero", P.Payload { size = 3 }.data, "\0\0\0")
eq("bytes pattern", P.Payload { size = 5, pattern = "ab" }.data, "ababa")
eq("data", P.Payload "xyz".data, "xyz")
local r = P.Ether {} / P.Payload { size = 64, pattern = "random" }
eq("random length", #r.payload.data, 64)
eq("random kept", r:hex(), r:hex())
check(r.payload.data ~= string.rep("\0", 64), "random payload is all zeros")

-- 5. Offsets (0-based from the frame's start) and widths.
local function offs(pk, path)
	return table.concat({ pk:offset(path) }, ",")
end
eq("udp.sport", offs(p, "udp.sport"), "34,2")
eq("ipv4.dst", offs(p, "ipv4.dst"), "30,4")
eq("ether.src", offs(p, "ether.src"), "6,6")
eq("ipv4.df", offs(p, "ipv4.df"), "20,1,1,1")
eq("ipv4.frag", offs(p, "ipv4.frag"), "20,2,3,13")
local vx = P.Ether {} / P.IPv4 {} / P.UDP {} / P.VXLAN { vni = 7 } / P.Ether {} / P.IPv4 { dst = "192.168.1.1" } / P.UDP {}
eq("inner.ipv4.dst", offs(vx, "inner.ipv4.dst"), tostring(50 + 14 + 16) .. ",4")
eq("ipv4#2.dst", offs(vx, "ipv4#2.dst"), offs(vx, "inner.ipv4.dst"))
eq("vxlan.vni", offs(vx, "vxlan.vni"), "46,3")
eq("inner value", vx.inner.ipv4.dst, "192.168.1.1")
eq("ipv6 dst", offs(v6, "ipv6.dst"), "38,16")
eq("srh segments", offs(v6, "srh.segments"), tostring(14 + 40 + 8 + 8 + 8) .. ",48")
local a, w = vx:offset("inner.ipv4.dst")
eq("bytes at the offset", string.sub(vx:bytes(), a + 1, a + w), "\192\168\1\1")

-- 6. Changing a field after building rebuilds: the checksum follows.
local before = p.ipv4.chksum
p.ipv4.ttl = 10
eq("ttl set", p.ipv4.ttl, 10)
check(p.ipv4.chksum ~= before, "checksum did not follow the new ttl")
eq("stacked layers are copies", (P.Ether {} / p.ipv4).ipv4 ~= p.ipv4, true)

-- 7. Round trips: decode(p:bytes()) has every field of p and the same bytes.
local function same(what, x, y)
	if type(x) == "table" and type(y) == "table" then
		for k, v in pairs(x) do
			same(what .. "." .. tostring(k), v, y[k])
		end
		for k in pairs(y) do
			check(x[k] ~= nil, "%s.%s only after decoding", what, tostring(k))
		end
	else
		eq(what, y, x)
	end
end
local all = {
	p, known, u, bad, q, m, v6, g, gn, gt, tcp, vx, r,
	P.Ether {} / P.ARP { op = 2, hwsrc = "0a:0b:0c:0d:0e:0f", psrc = "1.2.3.4" },
	P.Ether {} / P.IPv4 { tos = 0xb8, id = 777, df = 1, ttl = 3, options = "\148\4\0\0" } / P.ICMP { id = 9, seq = 4 } / P.Payload "ping",
	P.Ether {} / P.IPv4 { mf = 1, frag = 100 } / P.Payload { size = 16, pattern = "inc" },
	P.Ether {} / P.IPv6 { tc = 0xa0, fl = 0x12345, hlim = 7 } / P.ICMPv6Echo { id = 1, seq = 2 } / P.Payload "abc",
	P.Ether {} / P.IPv6 {} / P.ICMPv6NS { target = "fd00::99", options = P.lladdr(1, "02:00:00:00:00:01") },
	P.Ether {} / P.IPv6 {} / P.ICMPv6NA { r = 1, target = "fd00::99", options = P.lladdr(2, "02:00:00:00:00:02") },
	P.Ether {} / P.IPv6 {} / P.ICMPv6 { type = 1, code = 4, data = "\0\0\0\0" },
	P.Ether {} / P.IPv4 {} / P.TCP { seq = 1000, ack = 2000, flags = "PA", window = 512, urgptr = 3,
		options = { { "mss", 1460 }, { "sack_ok" }, { "timestamp", 123456, 654321 }, "nop", { "wscale", 14 }, { "raw", 30, "\1\2" }, "eol" } } / P.Payload "data",
	P.Ether {} / P.IPv6 {} / P.UDP {} / P.GTPU { teid = 0xdeadbeef } / P.IPv6 {} / P.TCP {},
	P.Ether {} / P.IPv4 {} / P.GRE {} / P.MPLS {} / P.IPv4 {},
	P.Ether {} / P.Dot1Q {} / P.Payload "opaque",
}
for i, pk in ipairs(all) do
	local d = packet.decode(pk:bytes())
	eq("round trip " .. i .. " layers", #d, #pk)
	for j = 1, #pk do
		local L, D = pk:layer(j), d:layer(j)
		local K = rawget(L, "kind")
		eq("round trip " .. i .. " layer " .. j, rawget(D, "kind"), K)
		for _, f in ipairs(K.fields) do
			if not f.meta then
				same(string.format("round trip %d %s.%s", i, K.title, f.name), L[f.name], D[f.name])
			end
		end
	end
	eq("round trip " .. i .. " bytes", d:hex(), pk:hex())
end
-- A frame padded to 60 bytes decodes its padding apart; an unknown ethertype is a payload.
local padded = packet.decode(p:bytes() .. string.rep("\0", 18))
eq("padding layer", padded:layer(4).data, string.rep("\0", 18))
eq("padding kind", rawget(padded:layer(4), "kind").name, "padding")
local odd = packet.decode(string.rep("\1", 12) .. "\136\181" .. "xyz")
eq("unknown ethertype", odd.payload.data, "xyz")
local short = packet.decode(string.sub(p:bytes(), 1, 20))
eq("truncated ipv4 is payload", #short.payload.data, 6)
check(string.find(v6:show(), "segments  = [fd00::a, fd00::b, fd00::c]", 1, true), "show: %s", v6:show())
check(string.find(tcp:show(), "###[ TCP ]###\n  sport     = 1234", 1, true), "show: %s", tcp:show())

-- 8. Errors name the layer, the field and the value.
fails("IPv4 has no field \"ttll\"", P.IPv4, { ttll = 3 })
fails("Dot1Q.id = 4096 is out of range 0..4095", P.Dot1Q, { id = 4096 })
fails("IPv4.ttl = 300 is out of range 0..255", P.IPv4, { ttl = 300 })
fails("MPLS.label = 1048576 is out of range 0..1048575", P.MPLS, { label = 2 ^ 20 })
fails("IPv4.dst = \"fd00::1\": an IPv6 address given where IPv4 is wanted", P.IPv4, { dst = "fd00::1" })
fails("IPv6.src = \"10.0.0.1\": an IPv4 address given where IPv6 is wanted", P.IPv6, { src = "10.0.0.1" })
fails("Ether.dst = \"01:02\": not a MAC address", P.Ether, { dst = "01:02" })
fails("IPv4.src = \"10.0.0.256\": not an IPv4 address", P.IPv4, { src = "10.0.0.256" })
fails("UDP.sport = 1.5: not an integer", P.UDP, { sport = 1.5 })
fails("TCP.flags = \"SX\": unknown flag", P.TCP, { flags = "SX" })
fails("TCP.options", P.TCP, { options = { { "mss", 70000 } } })
fails("unknown (eol, nop", P.TCP, { options = { { "md5" } } })
fails("over the 252 a GENEVE header holds", P.GENEVE, { options = { { data = string.rep("x", 124) }, { data = string.rep("y", 124) } } })
fails("SRH.segments", P.SRH, { segments = { "fd00::1", "10.0.0.1" } })
fails("Payload.pattern = \"\"", P.Payload, { pattern = "" })
fails("IPv4.options of 44 bytes", P.IPv4, { options = string.rep("\1", 44) })
fails("IPv4{...} takes a table of fields", P.IPv4, 5)
fails("only layers and packets stack with /", function() return P.Ether {} / 5 end)
fails("stack: item 2 is a string", P.stack, { P.Ether {}, "x" })
local max = engine.max_frame()
local big = P.Ether {} / P.Payload { size = max }
fails(string.format("frame of %d bytes is over the maximum frame of %d bytes", max + 14, max), big.bytes, big)
eq("a frame at the maximum", (P.Ether {} / P.Payload { size = max - 14 }):len(), max)
fails("IPv4.ttl = 256 is out of range", function() p.ipv4.ttl = 256 end)
fails("IPv4 has no field \"bogus\"", function() return p.ipv4.bogus end)
fails("field \"tcp.sport\": no tcp layer", p.offset, p, "tcp.sport")
fails("field \"udp.nope\": UDP has no field nope", p.offset, p, "udp.nope")
fails("no tunnel layer", p.offset, p, "inner.ipv4.dst")
fails("decode takes the frame's bytes", packet.decode, 42)

print("packet: ok")
