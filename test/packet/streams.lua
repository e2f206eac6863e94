--- Streams of built packets for runtime/tests/packet.rs: each case is a stream on port 0 (a
-- built packet, raw frame, list of frames or capture, with fields walking by name and sizes
-- changing), captured on port 1, put in stream order by its sequence field, written to a pcap
-- file, with what tshark must read in each frame computed here from the definitions alone.
-- Env: PG_DIR (output directory). Run on 1 and on 2 TX queues; the values must be the same.
package.path = package.path .. ";test/?.lua"
local engine = require "engine"
local packet = require "packet"
local testing = require "testing"
local P = packet
local dir = assert(os.getenv("PG_DIR"), "PG_DIR")

local out = {}
local function expect(file, frame, field, value, occurrence)
	out[#out + 1] = string.format("%s\t%d\t%s\t%d\t%s", file, frame, field, occurrence or 1, tostring(value))
end

--- Sends stream `def` (count n) from port 0, captures what port 1 receives and returns the frames.
local function run(name, def, n)
	def.name, def.count, def.rate, def.latency = name, n, def.rate or "20kpps", false
	local before = engine.stats(1).rx_packets
	engine.capture_start(1)
	pktgen.streams.add(0, def)
	pktgen.streams.start(0, name)
	testing.wait_for(name .. ": port 1 to receive " .. n .. " frames", function()
		local got = engine.stats(1).rx_packets - before
		return got >= n and not pktgen.streams.stats(0, name).sending, got
	end)
	local count, dropped, got = engine.capture_stop(1)
	testing.eq(name .. ": frames captured", count, n)
	testing.eq(name .. ": frames dropped", dropped, 0)
	testing.eq(name .. ": tx_packets", pktgen.streams.stats(0, name).tx_packets, n)
	pktgen.streams.remove(0, name)
	return got
end

--- The frames in stream order, by the 4-byte sequence number at `at`, which must be 0..n-1.
local function in_order(name, got, at)
	table.sort(got, function(a, b) return string.unpack(">I4", a.data, at + 1) < string.unpack(">I4", b.data, at + 1) end)
	for i, f in ipairs(got) do
		testing.eq(name .. ": sequence number of frame " .. i, string.unpack(">I4", f.data, at + 1), i - 1)
	end
	return got
end

local function save(file, got)
	for i, f in ipairs(got) do
		f.time_ns = 1000000000 + i * 1000
	end
	engine.write_pcap(dir .. "/" .. file .. ".pcap", got)
end

--- The engine's walk: + step, past max to min, below min to max.
local function walk(v, lo, hi, step)
	v = v + step
	if v > hi then
		return lo
	elseif v < lo then
		return hi
	end
	return v
end

-- Case 1: a VLAN-tagged UDP packet with five fields walking: an address, a port counting down by
-- 3, a TTL stepping every 4th packet, the 3-bit VLAN priority (bits above the VLAN id, which
-- stays), and the sequence number in the payload; the IPv4 and UDP checksums stay right.
do
	local p = P.Ether {} / P.Dot1Q { id = 100 } / P.IPv4 { src = "10.0.0.1", dst = "10.9.9.9" } / P.UDP { dport = 53 }
		/ P.Payload { size = 40, pattern = "inc" }
	local seq = p:offset("payload.data")
	local n = 300
	local got = in_order("walks", run("walks", { packet = p, fields = {
		{ "ipv4.src", inc = { "10.0.0.1", "10.0.0.5" } },
		{ "udp.sport", dec = { 1000, 1010, 3 } },
		{ "ipv4.ttl", inc = { 10, 12 }, every = 4 },
		{ "dot1q.pcp", inc = { 0, 7 } },
		{ offset = seq, width = 4, sequence = 0 },
	} }, n), seq)
	save("walks", got)
	local sport = 1010
	for k = 0, n - 1 do
		local f = k + 1
		expect("walks", f, "ip.src", "10.0.0." .. (1 + k % 5))
		expect("walks", f, "udp.srcport", sport)
		expect("walks", f, "ip.ttl", 10 + (k // 4) % 3)
		expect("walks", f, "vlan.priority", k % 8)
		expect("walks", f, "vlan.id", 100)
		expect("walks", f, "ip.checksum.status", 1)
		expect("walks", f, "udp.checksum.status", 1)
		sport = walk(sport, 1000, 1010, -3)
	end
end

-- Case 2: VXLAN with four walking fields, the inner destination among them, a random inner
-- port, and a 24-bit VNI (3 bytes, inside a 4-byte window); inner and outer checksums right.
do
	local p = P.Ether {} / P.IPv4 { src = "172.16.0.1", dst = "172.16.0.2" } / P.UDP {} / P.VXLAN { vni = 5 }
		/ P.Ether {} / P.IPv4 { src = "192.168.0.1", dst = "192.168.1.1" } / P.UDP { sport = 7 } / P.Payload { size = 24 }
	local seq = p:offset("payload.data")
	local n = 260
	local got = in_order("vxlan", run("vxlan", { packet = p, fields = {
		{ "ipv4.src", inc = { "172.16.0.1", "172.16.0.40" } },
		{ "inner.ipv4.dst", inc = { "192.168.1.1", "192.168.1.200" } },
		{ "vxlan.vni", inc = { 1, 100000, 7 } },
		{ "inner.udp.dport", random = { 2000, 2100 } },
		{ offset = seq, width = 4, sequence = 0 },
	} }, n), seq)
	save("vxlan", got)
	local vni = 1
	for k = 0, n - 1 do
		local f = k + 1
		expect("vxlan", f, "ip.src", "172.16.0." .. (1 + k % 40))
		expect("vxlan", f, "ip.dst", "192.168.1." .. (1 + k % 200), 2)
		expect("vxlan", f, "vxlan.vni", vni)
		for occ = 1, 2 do
			expect("vxlan", f, "ip.checksum.status", 1, occ)
			expect("vxlan", f, "udp.checksum.status", 1, occ)
		end
		local d = packet.decode(got[f].data)
		testing.check(d.inner.udp.dport >= 2000 and d.inner.udp.dport <= 2100, "vxlan frame %d: inner port %d", f, d.inner.udp.dport)
		vni = walk(vni, 1, 100000, 7)
	end
end

-- Case 3: IPv6 TCP SYNs with options: the source address walks in its low bits, the source port
-- with it; the TCP checksum (over the IPv6 pseudo-header) stays right.
do
	local p = P.Ether {} / P.IPv6 { src = "2001:db8::1", dst = "2001:db8::99" }
		/ P.TCP { dport = 80, flags = "S", options = { { "mss", 1460 }, { "sack_ok" }, { "timestamp", 1, 0 } } }
		/ P.Payload { size = 8 }
	local seq = p:offset("payload.data")
	local n = 200
	local got = in_order("ipv6", run("ipv6", { packet = p, fields = {
		{ "ipv6.src", inc = { "2001:db8::1:0:fffe", "2001:db8::1:1:10" } },
		{ "tcp.sport", inc = { 40000, 40099 } },
		{ offset = seq, width = 4, sequence = 0 },
	} }, n), seq)
	save("ipv6", got)
	local lo = 0xfffe
	for k = 0, n - 1 do
		local f = k + 1
		local v = lo + k % (0x10010 - lo + 1)
		expect("ipv6", f, "ipv6.src", string.format("2001:db8::1:%x:%x", v >> 16, v & 0xffff))
		expect("ipv6", f, "tcp.srcport", 40000 + k % 100)
		expect("ipv6", f, "tcp.options.mss_val", 1460)
		expect("ipv6", f, "tcp.checksum.status", 1)
	end
end

-- Case 4: sizes walking (64..100 with FCS, step 9) and random (64..128): lengths and checksums
-- follow, and the payload's pattern runs to the end of every size.
do
	local p = P.Ether {} / P.IPv4 {} / P.UDP {} / P.Payload { size = 4, pattern = "inc" }
	local seq = p:offset("payload.data")
	local n = 50
	local got = in_order("sizes", run("sizes", { packet = p, size = { min = 64, max = 100, step = 9 },
		fields = { { offset = seq, width = 4, sequence = 0 } } }, n), seq)
	save("sizes", got)
	for k = 0, n - 1 do
		local len = 60 + 9 * (k % 5)
		expect("sizes", k + 1, "frame.len", len)
		expect("sizes", k + 1, "ip.len", len - 14)
		expect("sizes", k + 1, "udp.length", len - 34)
		expect("sizes", k + 1, "ip.checksum.status", 1)
		expect("sizes", k + 1, "udp.checksum.status", 1)
		local tail = string.sub(got[k + 1].data, seq + 5)
		for i = 1, #tail do
			testing.eq(string.format("sizes frame %d payload byte %d", k + 1, i + 4), string.byte(tail, i), (i + 3) & 0xff)
		end
	end
	local got2 = in_order("random_sizes", run("random_sizes", { packet = p, size = { random = { 64, 128 } },
		fields = { { offset = seq, width = 4, sequence = 0 } } }, n), seq)
	save("random_sizes", got2)
	local sizes = {}
	for k = 1, n do
		local len = #got2[k].data
		testing.check(len >= 60 and len <= 124, "random size frame %d is %d bytes", k, len)
		sizes[len] = true
		expect("random_sizes", k, "udp.length", len - 34)
		expect("random_sizes", k, "udp.checksum.status", 1)
	end
	local distinct = 0
	for _ in pairs(sizes) do
		distinct = distinct + 1
	end
	testing.check(distinct >= 10, "random sizes: only %d distinct sizes in %d frames", distinct, n)
end

-- Case 5: frames sent in turn (built packets and raw bytes), a raw frame with a field walking by
-- name (found by decoding it), and a capture replayed: each sent as often as asked.
do
	local a = P.Ether {} / P.IPv4 {} / P.UDP { dport = 1 } / P.Payload "one"
	local b = P.Ether {} / P.IPv4 {} / P.TCP { dport = 2 } / P.Payload "two"
	local c = (P.Ether {} / P.IPv6 {} / P.ICMPv6Echo { id = 3 }):bytes()
	local want = { a:bytes(), b:bytes(), c }
	local function multiset(name, got, list, times)
		local count = {}
		for _, f in ipairs(got) do
			count[f.data] = (count[f.data] or 0) + 1
		end
		for i, w in ipairs(list) do
			local padded = w .. string.rep("\0", 60 - #w)
			testing.eq(name .. ": copies of frame " .. i, count[padded] or 0, times)
		end
	end
	local got = run("frames", { frames = { a, b, c } }, 30)
	multiset("frames", got, want, 10)

	local raw = (P.Ether {} / P.IPv4 { dst = "10.1.1.1" } / P.UDP { dport = 9 } / P.Payload { size = 20 }):bytes()
	local got2 = in_order("raw", run("raw", { frame = raw, fields = { { "udp.dport", inc = { 7, 9 } },
		{ offset = 42, width = 4, sequence = 0 } } }, 30), 42)
	save("raw", got2)
	for k = 0, 29 do
		expect("raw", k + 1, "udp.dstport", 7 + k % 3)
		expect("raw", k + 1, "udp.checksum.status", 1)
		expect("raw", k + 1, "ip.checksum.status", 1)
	end

	local file = dir .. "/replay-in.pcap"
	local frames = {}
	for i, w in ipairs(want) do
		frames[i] = { data = w .. string.rep("\0", 60 - #w), time_ns = i * 1000 }
	end
	engine.write_pcap(file, frames)
	local got3 = run("pcap", { pcap = file }, 12)
	multiset("pcap", got3, want, 4)
end

local fh = assert(io.open(dir .. "/expect.txt", "w"))
fh:write(table.concat(out, "\n"), "\n")
fh:close()
print("packet streams: ok")
