--- Changes to one port's config: the keys of `pktgen.set` (docs/LUA_API.md, section 2) and the
-- packet-type, protocol and address rules shared by set_type, set_proto, set_ipaddr and seq.
local args = require "pktgen.internal.args"
local config = require "pktgen.internal.config"

local M = {}

M.MAX_BURST = 256
M.MAX_PRIME = 4
M.MAX_DUMP = 32

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

-- Rates, bursts, counts and sizes: NaN, infinities and negatives are refused, values beyond
-- Pktgen's range clamped as Pktgen clamps them (docs/LUA_API.md, "Ranges of the numeric settings").
local CLAMP = { clamp = true, int = true }
local COUNT = { int = true }

local function ranged(v, key, lo, hi, opts)
	return args.ranged("set", v, "value for '" .. key .. "'", lo, hi, opts)
end

--- The smallest rate in percent: Pktgen takes rate 0 as its smallest rate, not as a stop.
M.MIN_RATE = 0.01

--- The catch-up policies of the port's own stream after a stall (pktgen.streams' `catch_up`).
M.CATCH_UP = { smooth = true, exact = true }

-- The keys of pktgen.set, lower case (matching is case-insensitive).
local SET = {}

function SET.count(cfg, v)
	cfg.count = ranged(v, "count", 0, nil, COUNT)
end

function SET.size(cfg, v)
	local size = ranged(v, "size", config.min_size(cfg.pkt.eth_type), config.max_size(), CLAMP)
	cfg.pkt.size = config.clamp_size(size, cfg.pkt.eth_type)
end

--- A rate in percent of the link (clamped to 0.01..100 as Pktgen clamps), or "max": unpaced.
-- Setting a rate paces by it again: Pktgen recomputes its TX cycles from a new rate.
function SET.rate(cfg, v)
	if type(v) == "string" and string.lower(string.match(v, "^%s*(.-)%s*$")) == "max" then
		cfg.unpaced, cfg.cycles = true, 0
		return
	end
	local r = ranged(v, "rate", 0, 100, { clamp = true })
	cfg.rate = math.max(r, M.MIN_RATE) + 0.0
	cfg.unpaced, cfg.cycles = false, 0
end

function SET.burst(cfg, v)
	cfg.tx_burst = ranged(v, "burst", 1, M.MAX_BURST, CLAMP)
end
SET.txburst = SET.burst

function SET.rxburst(cfg, v)
	cfg.rx_burst = ranged(v, "rxburst", 1, M.MAX_BURST, CLAMP)
end

--- Pktgen's TX cycles: TSC cycles from one burst to the next; 0 paces by the rate.
function SET.cycles(cfg, v)
	cfg.cycles = ranged(v, "cycles", 0, nil, COUNT)
end

--- What the port's own stream does after a stall: "smooth" (the default) or "exact".
function SET.catch_up(cfg, v)
	local c = string.lower(tostring(v))
	if not M.CATCH_UP[c] then
		error(string.format("set: value for 'catch_up' must be \"smooth\" or \"exact\", got '%s'", tostring(v)), 0)
	end
	cfg.catch_up = c
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
	local n = ranged(v, "seq_cnt", 0, config.NUM_SEQ, CLAMP)
	cfg.seq_cnt = n
	if n > 0 then
		M.mode(cfg, "sequence")
	elseif cfg.mode == "sequence" then
		M.mode(cfg, "single")
	end
end
SET.seqcnt = SET.seq_cnt

function SET.prime(cfg, v)
	-- Pktgen primes at least one packet: 0 means 1.
	cfg.prime = math.max(1, ranged(v, "prime", 0, M.MAX_PRIME, CLAMP))
end

function SET.dump(cfg, v)
	cfg.dump = ranged(v, "dump", 0, M.MAX_DUMP, CLAMP)
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
