--- Changes to one port's config: the keys of `pktgen.set` (docs/LUA_API.md, section 2) and the
-- packet-type, protocol and address rules shared by set_type, set_proto, set_ipaddr and seq.
local args = require "pktgen.internal.args"
local config = require "pktgen.internal.config"

local M = {}

M.MAX_BURST = 256
M.MAX_PRIME = 4
M.MAX_DUMP = 32

local function clamp(v, lo, hi)
	return math.max(lo, math.min(hi, v))
end

--- Switch a packet to eth type t ("ipv4", "ipv6", "arp"), adjusting the size as Pktgen does:
-- IPv6 needs at least a 78-byte frame; leaving IPv6 at that minimum goes back to 64.
function M.eth_type(pkt, t)
	if t == "ipv6" then
		pkt.size = math.max(pkt.size, config.MIN_SIZE_V6)
	elseif pkt.eth_type == "ipv6" and pkt.size == config.MIN_SIZE_V6 then
		pkt.size = config.MIN_SIZE
	end
	pkt.eth_type = t
end

--- Pktgen's set_type text: "arp" (first letter a), "ipv6"/"ip6", anything else IPv4.
function M.parse_type(text)
	local s = string.lower(tostring(text))
	if string.sub(s, 1, 1) == "a" then
		return "arp"
	elseif s == "ipv6" or s == "ip6" then
		return "ipv6"
	end
	return "ipv4"
end

--- Pktgen's protocol text by first letter: u UDP, i ICMP, anything else TCP.
function M.parse_proto(text)
	local c = string.lower(string.sub(tostring(text), 1, 1))
	return (c == "u" and "udp") or (c == "i" and "icmp") or "tcp"
end

--- set_proto: ICMP forces IPv4.
function M.proto(pkt, text)
	local proto = M.parse_proto(text)
	if proto == "icmp" and pkt.eth_type ~= "ipv4" then
		M.eth_type(pkt, "ipv4")
	end
	pkt.proto = proto
end

--- set_ipaddr: which is "s" or "d" (first letter); the address family switches the packet type.
function M.ipaddr(pkt, which, ip)
	if which ~= "s" and which ~= "d" then
		return
	end
	if ip.v == 6 then
		if which == "s" then
			pkt.src_ip6 = { v = 6, addr = ip.addr, prefix = ip.prefix or 128 }
		else
			pkt.dst_ip6 = { v = 6, addr = ip.addr }
		end
		if pkt.eth_type ~= "ipv6" then
			M.eth_type(pkt, "ipv6")
		end
	else
		if which == "s" then
			pkt.src_ip = { v = 4, addr = ip.addr, prefix = ip.prefix or 32 }
		else
			pkt.dst_ip = { v = 4, addr = ip.addr }
		end
		if pkt.eth_type == "ipv6" then
			M.eth_type(pkt, "ipv4")
		end
	end
end

--- The encapsulation flags of a packet; at most one is on.
M.ENCAPS = { "vlan", "qinq", "mpls", "gre", "gre_eth", "vxlan" }

--- Enabling an encapsulation clears Pktgen's EXCLUSIVE_PKT_MODES: random bitfields and every
-- encapsulation, and latency.
function M.clear_pkt_modes(cfg)
	cfg.random = false
	require("pktgen.internal.stamps").clear(cfg)
	for _, k in ipairs(M.ENCAPS) do
		cfg.pkt[k] = false
	end
end

--- Switch the send mode ("single", "range", "sequence"); the modes exclude each other.
function M.mode(cfg, mode)
	cfg.mode = mode
end

local function uint(v, key)
	return args.uint("set", v, "value for '" .. key .. "'")
end

-- The keys of pktgen.set, lower case (matching is case-insensitive).
local SET = {}

function SET.count(cfg, v)
	cfg.count = uint(v, "count")
end

function SET.size(cfg, v)
	cfg.pkt.size = config.clamp_size(uint(v, "size"), cfg.pkt.eth_type)
end

function SET.rate(cfg, v)
	local r = args.number("set", v, "value for 'rate'")
	if r ~= r or r <= 0 then
		r = 0.01
	elseif r > 100 then
		r = 100.0
	end
	cfg.rate = r + 0.0
end

function SET.burst(cfg, v)
	cfg.tx_burst = clamp(uint(v, "burst"), 1, M.MAX_BURST)
end
SET.txburst = SET.burst

function SET.rxburst(cfg, v)
	cfg.rx_burst = clamp(uint(v, "rxburst"), 1, M.MAX_BURST)
end

function SET.cycles(cfg, v)
	cfg.cycles = uint(v, "cycles")
end

function SET.sport(cfg, v)
	cfg.pkt.sport = uint(v, "sport") & 0xffff
end

function SET.dport(cfg, v)
	cfg.pkt.dport = uint(v, "dport") & 0xffff
end

function SET.ttl(cfg, v)
	cfg.pkt.ttl = uint(v, "ttl") & 0xff
end

function SET.seq_cnt(cfg, v)
	local n = math.min(uint(v, "seq_cnt"), config.NUM_SEQ)
	cfg.seq_cnt = n
	if n > 0 then
		M.mode(cfg, "sequence")
	elseif cfg.mode == "sequence" then
		M.mode(cfg, "single")
	end
end
SET.seqcnt = SET.seq_cnt

function SET.prime(cfg, v)
	local n = uint(v, "prime")
	cfg.prime = n == 0 and 1 or math.min(n, M.MAX_PRIME)
end

function SET.dump(cfg, v)
	cfg.dump = math.min(uint(v, "dump"), M.MAX_DUMP)
end

M.SET_KEYS = SET

--- pktgen.set(pl, key, value) for one port.
function M.set(cfg, key, value)
	local fn = SET[string.lower(tostring(key))]
	if not fn then
		error("set does not support " .. tostring(key), 0)
	end
	fn(cfg, value)
end

return M
