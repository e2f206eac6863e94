--- Getter shapes for one port: portStats (HEAD and legacy), pktStats, portSizes, portInfo,
-- isSending and linkState values, from engine.stats / engine.rates / engine.info.
local engine = require "engine"
local args = require "pktgen.internal.args"
local config = require "pktgen.internal.config"
local stamps = require "pktgen.internal.stamps"

local M = {}

--- Wire overhead per frame counted by Pktgen's bit rates: FCS, preamble, SFD and gap.
M.OVERHEAD = 24

-- Global maxima for portInfo's total_stats, refreshed whenever a getter samples the rates.
local totals = { max_ipackets = 0, max_opackets = 0 }

local function int(x)
	return math.tointeger(x) or math.tointeger(math.floor(x)) or 0
end

-- The port's rates over the last interval, as integers (the engine may give floats).
local function sample_rates(p)
	local e = engine.rates(p)
	local r = { rx_pps = int(e.rx_pps), tx_pps = int(e.tx_pps), rx_bps = int(e.rx_bps), tx_bps = int(e.tx_bps) }
	if r.rx_pps > totals.max_ipackets then
		totals.max_ipackets = r.rx_pps
	end
	if r.tx_pps > totals.max_opackets then
		totals.max_opackets = r.tx_pps
	end
	return r
end

--- Forget the global maxima (clear / clr / reset).
function M.clear_totals()
	totals.max_ipackets, totals.max_opackets = 0, 0
end

local HW_KEYS = { "ipackets", "opackets", "ibytes", "obytes", "ierrors", "oerrors", "rx_nombuf", "imissed" }

-- The driver's counters, with the engine's own count where the driver counts none of a kind
-- (net_ring counts no bytes): engine.stats(p).totals.
local function hw(st)
	local t = {}
	for _, k in ipairs(HW_KEYS) do
		t[k] = st.totals[k] or 0
	end
	return t
end

--- portStats(pl)[p] at HEAD: {curr, sizes, qstats}.
function M.port_head(p)
	local st = engine.stats(p)
	local s = st.sizes
	return {
		curr = hw(st),
		sizes = {
			_64 = s._64, _65_127 = s._65_127, _128_255 = s._128_255, _256_511 = s._256_511,
			_512_1023 = s._512_1023, _1024_1522 = s._1024_1518, broadcast = s.broadcast,
			multicast = s.multicast, jumbo = s.jumbo, runt = s.runt, unknown = 0,
		},
		qstats = M.qstats(p),
	}
end

--- qstats[q] for every queue number of the port, in Pktgen's exact shape: RX queue q's
-- packets and TX queue q's (engine.queues has the bytes and lcores too).
function M.qstats(p)
	local t = {}
	for _, q in ipairs(engine.queues(p)) do
		t[q.queue] = { ipackets = q.rx_packets, opackets = q.tx_packets, errors = 0 }
	end
	return t
end

--- portLayout(pl)[p]: the port's lcores and queues (ours; Pktgen shows them on its cpu page).
function M.port_layout(p)
	local l = engine.layout(p)
	return {
		rx_queues = #l.rx_lcores, tx_queues = #l.tx_lcores, rx_lcores = l.rx_lcores, tx_lcores = l.tx_lcores,
		answer_lcores = l.answer_lcores, rss = l.rss, used = l.used,
	}
end

local function mbits(bps, pps)
	return (bps + pps * M.OVERHEAD * 8) // 1000000
end

--- portStats(pl, "port"|"rate")[p], the flat shape before 26.02.
-- "port": counters since the last clear. "rate": the same keys per second over the last
-- interval, plus pkts_rx, pkts_tx, mbits_rx and mbits_tx (wire bits, as Pktgen).
function M.port_legacy(p, kind)
	if kind == "port" then
		return hw(engine.stats(p))
	end
	local r = sample_rates(p)
	local rx_bps, tx_bps, rx_pps, tx_pps = r.rx_bps, r.tx_bps, r.rx_pps, r.tx_pps
	return {
		ipackets = rx_pps, opackets = tx_pps, ibytes = rx_bps // 8, obytes = tx_bps // 8,
		ierrors = 0, oerrors = 0, rx_nombuf = 0, imissed = 0,
		pkts_rx = rx_pps, pkts_tx = tx_pps, mbits_rx = mbits(rx_bps, rx_pps), mbits_tx = mbits(tx_bps, tx_pps),
	}
end

--- portSizes(pl)[p] (removed in 26.02).
function M.port_sizes(p)
	local s = engine.stats(p).sizes
	return {
		runt = s.runt, _64 = s._64, _65_127 = s._65_127, _128_255 = s._128_255, _256_511 = s._256_511,
		_512_1023 = s._512_1023, _1024_1518 = s._1024_1518, jumbo = s.jumbo,
		broadcast = s.broadcast, multicast = s.multicast,
	}
end

--- pktStats(pl)[p].latency, the 23.06+ shape, from the port's measurements.
local function latency_legacy(p)
	local cfg = config.get(p)
	local l = stamps.settings(cfg)
	local s = engine.latency(p)
	local h = s.histogram
	local hz = engine.tsc_hz()
	local function cycles(ns) return math.floor(ns * hz / 1e9) end
	local n = s.count
	return {
		rate_us = l.rate_us > 0 and l.rate_us or 10000, entropy = l.entropy,
		jitter_threshold = l.jitter_us, jitter_count = s.jitter_over,
		num_pkts = n, num_skipped = s.lost + s.reordered,
		min_cycles = cycles(h:min()), avg_cycles = cycles(s.mean_ns), max_cycles = cycles(h:max()),
		min_us = h:min() / 1e3, avg_us = s.mean_ns / 1e3, max_us = h:max() / 1e3,
	}
end

--- pktStats(pl)[p] (removed in 26.02): received frames by kind since the last clear (echo
-- counts ICMP echo requests and replies; vlan counts tagged frames besides their kind);
-- latency is the 23.06+ shape from our measurements.
function M.pkt_stats(p)
	local st = engine.stats(p)
	local k = st.kinds or {}
	return {
		arp_pkts = k.arp or 0, echo_pkts = k.echo or 0, ip_pkts = k.ipv4 or 0, ipv6_pkts = k.ipv6 or 0,
		vlan_pkts = k.vlan or 0, dropped_pkts = 0, unknown_pkts = k.unknown or 0,
		tx_failed = st.tx_no_mbuf or 0, mac_addr = 0,
		latency = latency_legacy(p),
	}
end

--- isSending(pl)[p]: "y" or "n".
function M.is_sending(p)
	return engine.sending(p) and "y" or "n"
end

--- linkState(pl)[p]: "<UP-10000-FD>" or "<--Down-->".
function M.link_state(p)
	local i = engine.info(p)
	if not i.link_up then
		return "<--Down-->"
	end
	return string.format("<UP-%d-%s>", int(i.speed or 0), i.duplex or "FD")
end

--- Packets per second the port sends at its rate (0 when the link speed is unknown).
function M.tx_pps(p, cfg)
	local speed = engine.info(p).speed or 0
	local size = cfg.pkt.size
	return int(speed * 1e6 / ((size + 20) * 8) * cfg.rate / 100)
end

local function pattern_type(pkt)
	if pkt.pattern == "none" then
		return "None"
	elseif pkt.pattern == "zero" then
		return "Zero"
	elseif pkt.pattern == "user" then
		return pkt.user_pattern
	end
	return "abcd..."
end

local ETH_TYPES = { ipv4 = "IPv4", ipv6 = "IPv6", arp = "ARP" }
local PROTO_TYPES = { tcp = "TCP", udp = "UDP", icmp = "ICMP" }

--- portInfo(pl)[p]: {total_stats, info} with the nested info tables (docs/LUA_API.md, section 11).
function M.port_info(p)
	local cfg = config.get(p)
	local pkt = cfg.pkt
	local ei = engine.info(p)
	local v6 = pkt.eth_type == "ipv6"
	local src, dst
	if v6 then
		src = args.ip_string(pkt.src_ip6.addr) .. "/" .. (pkt.src_ip6.prefix or 128)
		dst = args.ip_string(pkt.dst_ip6.addr)
	else
		local prefix = pkt.src_ip.prefix or 32
		src = args.ip_string(pkt.src_ip.addr) .. (prefix ~= 32 and ("/" .. prefix) or "")
		dst = args.ip_string(pkt.dst_ip.addr)
	end
	local cumm = { rx_pps = 0, tx_pps = 0, rx_bps = 0, tx_bps = 0 }
	for q = 0, engine.ports() - 1 do
		local r = sample_rates(q)
		for k in pairs(cumm) do
			cumm[k] = cumm[k] + r[k]
		end
	end
	local tx_pps = M.tx_pps(p, cfg)
	local tx_cycles = tx_pps > 0 and (engine.tsc_hz() * cfg.tx_burst) // tx_pps or 0
	if (cfg.cycles or 0) > 0 then
		tx_cycles = cfg.cycles
	end
	return {
		total_stats = {
			max_ipackets = totals.max_ipackets,
			max_opackets = totals.max_opackets,
			cumm_rate_ipackets = cumm.rx_pps,
			cumm_rate_opackets = cumm.tx_pps,
			cumm_rate_itotals = cumm.rx_bps + cumm.rx_pps * M.OVERHEAD * 8,
			cumm_rate_ototals = cumm.tx_bps + cumm.tx_pps * M.OVERHEAD * 8,
		},
		info = {
			pattern_type = pattern_type(pkt),
			tx_count = cfg.count == 0 and "Forever" or cfg.count,
			tx_rate = math.tointeger(math.floor(cfg.rate)),
			pkt_size = pkt.size,
			tx_burst = cfg.tx_burst,
			rx_burst = cfg.rx_burst,
			eth_type = ETH_TYPES[pkt.eth_type] or "Other",
			proto_type = (pkt.vxlan and pkt.proto == "udp" and "VXLAN") or PROTO_TYPES[pkt.proto] or "TCP",
			vlanid = pkt.vlanid,
			l2_l3_info = {
				src_port = pkt.sport,
				dst_port = pkt.dport,
				ttl = pkt.ttl,
				dst_ip = dst,
				src_ip = src,
				dst_mac = args.mac_string(pkt.dst_mac),
				src_mac = args.mac_string(pkt.src_mac),
			},
			pci_vendor = string.format("%d/0000:0000/%s", ei.socket or 0, ei.name or ""),
			tx_debug = { tx_pps = tx_pps, tx_cycles = tx_cycles },
			["802.1p"] = { cos = pkt.cos, dscp = pkt.tos >> 2, ipp = pkt.tos >> 5 },
			VxLAN = { vni_flags = pkt.vxlan_flags, group_id = pkt.vxlan_group, vlan_id = pkt.vxlan_vni,
				link_state = M.link_state(p) },
		},
	}
end

return M
