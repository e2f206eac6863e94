--- Per-port settings with Pktgen's defaults (pktgen_port_defaults, pktgen_seq_defaults, range setup).
-- A port's config holds the single-packet template `pkt`, 16 sequence slots and the range settings.
local engine = require "engine"
local args = require "pktgen.internal.args"
local tcp = require "proto.tcp"

local M = {}

M.NUM_SEQ = 16
M.MIN_SIZE = 64      -- frame sizes here include the 4-byte FCS
M.MIN_SIZE_V6 = 78
M.FCS = 4

local ports = {}

--- Largest frame size the API accepts (with FCS).
function M.max_size()
	return engine.max_frame() + M.FCS
end

--- Smallest frame size for a packet of this type.
function M.min_size(eth_type)
	return eth_type == "ipv6" and M.MIN_SIZE_V6 or M.MIN_SIZE
end

--- Clamp a frame size to [min for the type, max].
function M.clamp_size(size, eth_type)
	return math.max(M.min_size(eth_type), math.min(size, M.max_size()))
end

local function port_mac(p)
	if p < engine.ports() then
		return args.parse_mac(engine.info(p).mac) or string.rep("\0", 6)
	end
	return string.rep("\0", 6)
end

local function ip4(text)
	return args.parse_ip(text)
end

--- The default single packet of port pid (also the default of every sequence slot).
function M.default_pkt(pid)
	local partner = (pid % 2 == 0) and pid + 1 or pid - 1
	return {
		eth_type = "ipv4",
		proto = "tcp",
		size = 64,
		src_mac = port_mac(pid),
		dst_mac = port_mac(partner),
		src_ip = ip4(string.format("192.168.%d.1/24", pid % 256)),
		dst_ip = ip4(string.format("192.168.%d.1", partner % 256)),
		-- Our own choice: Pktgen has no meaningful IPv6 defaults.
		src_ip6 = args.parse_ip(string.format("fd00:0:0:%x::1/64", pid)),
		dst_ip6 = args.parse_ip(string.format("fd00:0:0:%x::1", partner)),
		sport = 1234,
		dport = 5678,
		ttl = 64,
		tos = 0,
		cos = 0,
		vlan = false,
		vlanid = 1,
		tcp_flags = tcp.FLAGS.ack,
		tcp_seq = 0x12345678,
		tcp_ack = 0x12345690,
		pattern = "abc",
		user_pattern = "",
		gtpu_teid = 0,         -- GTP-U header when UDP to port 2152
		-- Encapsulations: at most one is on (Pktgen's EXCLUSIVE_PKT_MODES, see pktgen.api.encap).
		qinq = false,
		qinq_outer = 1,
		qinq_inner = 1,
		mpls = false,
		mpls_entry = 0x000101FF, -- label 16 (the first unreserved one), bottom of stack, TTL 255
		gre = false,
		gre_eth = false,
		gre_key = 0,           -- 0: no key field
		vxlan = false,
		vxlan_flags = 0x08,    -- the I flag: the VNI is valid
		vxlan_group = 0,
		vxlan_vni = 0,
	}
end

--- Packet keys that are port settings in Pktgen, not per sequence slot: a slot is built with the
-- port's values of these.
M.PORT_PKT_KEYS = { "vlan", "qinq", "qinq_outer", "qinq_inner", "mpls", "mpls_entry", "gre", "gre_eth",
	"gre_key", "vxlan", "vxlan_flags", "vxlan_group", "vxlan_vni", "pattern", "user_pattern" }

--- Copy a packet description (addresses are immutable strings inside small tables).
function M.copy_pkt(pkt)
	local c = {}
	for k, v in pairs(pkt) do
		if type(v) == "table" then
			local t = {}
			for kk, vv in pairs(v) do
				t[kk] = vv
			end
			v = t
		end
		c[k] = v
	end
	return c
end

local function mac48(m)
	return (string.unpack(">I6", m))
end

--- Range defaults (pktgen_range_setup); each field is {start, min, max, inc} of integers
-- (MACs as 48-bit and IPv4 addresses as 32-bit integers; IPv6 addresses as 16-byte strings).
function M.default_range(pid, pkt)
	local partner = (pid % 2 == 0) and pid + 1 or pid - 1
	local function v4(a, b, c, d)
		return string.unpack(">I4", string.char(a, b, c, d))
	end
	return {
		eth_type = pkt.eth_type,
		proto = pkt.proto,
		dst_mac = { start = mac48(pkt.dst_mac), min = 0, max = 0, inc = 0 },
		src_mac = { start = mac48(pkt.src_mac), min = 0, max = 0, inc = 0 },
		dst_ip = { start = v4(192, 168, partner % 256, 1), min = v4(192, 168, partner % 256, 1),
			max = v4(192, 168, partner % 256, 254), inc = 1 },
		src_ip = { start = v4(192, 168, pid % 256, 1), min = v4(192, 168, pid % 256, 1),
			max = v4(192, 168, pid % 256, 254), inc = 0 },
		dst_ip6 = { start = pkt.dst_ip6.addr, min = pkt.dst_ip6.addr, max = pkt.dst_ip6.addr, inc = string.rep("\0", 16) },
		src_ip6 = { start = pkt.src_ip6.addr, min = pkt.src_ip6.addr, max = pkt.src_ip6.addr, inc = string.rep("\0", 16) },
		src_port = { start = pkt.sport, min = 0, max = 65535, inc = 1 },
		dst_port = { start = pkt.dport, min = 0, max = 65535, inc = 1 },
		ttl = { start = 64, min = 0, max = 255, inc = 0 },
		hop_limits = { start = 64, min = 0, max = 255, inc = 0 },
		vlan_id = { start = 1, min = 1, max = 4095, inc = 0 },
		cos = { start = 0, min = 0, max = 7, inc = 0 },
		tos = { start = 0, min = 0, max = 255, inc = 0 },
		traffic_class = { start = 0, min = 0, max = 255, inc = 0 },
		pkt_size = { start = 64, min = 64, max = 1518, inc = 0 },
		gtpu_teid = { start = 0, min = 0, max = 0xffffffff, inc = 0 },
	}
end

--- A fresh config for port pid.
function M.defaults(pid)
	local pkt = M.default_pkt(pid)
	local seq = {}
	for i = 0, M.NUM_SEQ - 1 do
		seq[i] = M.default_pkt(pid)
	end
	return {
		pid = pid,
		mode = "single",   -- "single" | "range" | "sequence" | "pcap"
		count = 0,         -- 0 = forever
		rate = 100.0,      -- percent of link speed
		tx_burst = 32,
		rx_burst = 64,
		cycles = 0,        -- TSC cycles between TX bursts; 0 = from the rate
		unpaced = false,   -- rate "max": as fast as the port takes them
		catch_up = "smooth", -- after a stall: "smooth" (no burst unasked for) or "exact"
		prime = 1,
		dump = 0,
		seq_cnt = 0,
		pkt = pkt,
		seq = seq,
		range = M.default_range(pid, pkt),
		rnd = {},          -- [idx 0..31] = {offset, mask = 32 chars of 0 1 . X, active}
		random = false,
		rnd_s_ip = false,  -- random source IP host bits per packet (single mode)
		rnd_s_pt = false,  -- random source port per packet (single mode)
		process = false,   -- answer ARP for the source IPv4 address
		icmp_echo = false, -- answer ICMP echo requests to it
		pcap_timing = false, -- pcap mode replays the capture's gaps (ours)
	}
end

--- The config of port pid, created with the defaults on first use.
function M.get(pid)
	local c = ports[pid]
	if not c then
		c = M.defaults(pid)
		ports[pid] = c
	end
	return c
end

--- Restore port pid's defaults.
function M.reset(pid)
	ports[pid] = M.defaults(pid)
	return ports[pid]
end

return M
