--- The main page: every shown port side by side (Pktgen's rows and labels): link, rates,
-- totals, maxima, errors, size buckets, ARP/ICMP counts and the single packet's settings.
local engine = require "engine"
local config = require "pktgen.internal.config"
local stats = require "pktgen.internal.stats"
local draw = require "pktgen.console.draw"

local M = {}

-- Highest per-second rates seen per port (and in total); forgotten when counters go back
-- (a clear), as Pktgen's clear does.
local maxes = { total = { rx = 0, tx = 0 } }

local function track_max(key, r, total)
	local m = maxes[key]
	if not m or total < (m.seen or 0) then
		m = { rx = 0, tx = 0 }
		maxes[key] = m
	end
	m.seen = total
	m.rx = math.max(m.rx, r.rx_pps)
	m.tx = math.max(m.tx, r.tx_pps)
	return m
end

--- Pktgen's port flags: P(romiscuous) E(cho) B(onding) I(nput processing) L(atency) - c(apture),
-- then the encapsulation and the send mode.
local function flags(p, cfg)
	local pkt = cfg.pkt
	local encap = (pkt.vlan and "VLAN") or (pkt.vxlan and "VxLan") or (pkt.mpls and "MPLS") or (pkt.qinq and "QnQ")
		or (pkt.gre and "GREip") or (pkt.gre_eth and "GREet") or ""
	local modes = { single = "", range = "Range", sequence = "Seq", pcap = "PCAP" }
	local mode = modes[cfg.mode] or ""
	if cfg.random then
		mode = mode == "" and "Rnd" or mode .. "+Rnd"
	end
	local capture = require("pktgen.api.capture").capturing(p)
	return string.format("%d:-%s-%s%s-%s %s%s", p, cfg.icmp_echo and "E" or "-", cfg.process and "I" or "-",
		(cfg.latency and cfg.latency.on) and "L" or "-", capture and "c" or "-", encap, mode)
end

local function count_rate(cfg)
	return string.format("%s /%g%%", cfg.count == 0 and "Forever" or draw.num(cfg.count), cfg.rate)
end

function M.lines(ctx)
	local lines = draw.lines()
	draw.title(lines, "Main", draw.ports_text(ctx.ports))
	local cols = {}
	local total = { rx_pps = 0, tx_pps = 0, rx_bits = 0, tx_bits = 0 }
	for p = 0, engine.ports() - 1 do
		local r = engine.rates(p)
		total.rx_pps, total.tx_pps = total.rx_pps + r.rx_pps, total.tx_pps + r.tx_pps
		total.rx_bits = total.rx_bits + draw.mbits(r.rx_bps // 8, r.rx_pps)
		total.tx_bits = total.tx_bits + draw.mbits(r.tx_bps // 8, r.tx_pps)
	end
	local tmax = track_max("total", total, 0)
	for i, p in ipairs(ctx.ports) do
		local st, r, cfg = engine.stats(p), engine.rates(p), config.get(p)
		local hw, s, kinds = st.hw, st.sizes, st.kinds or {}
		local m = track_max(p, r, hw.ipackets + hw.opackets)
		local info = stats.port_info(p).info
		local l3 = info.l2_l3_info
		cols[i] = {
			flags = flags(p, cfg), link = stats.link_state(p),
			rx_pps = draw.num(r.rx_pps), tx_pps = draw.num(r.tx_pps),
			mbits = draw.pair(draw.mbits(r.rx_bps // 8, r.rx_pps), draw.mbits(r.tx_bps // 8, r.tx_pps)),
			rx_total = draw.num(hw.ipackets), tx_total = draw.num(hw.opackets),
			mbs = draw.pair(draw.mbits(hw.ibytes, hw.ipackets), draw.mbits(hw.obytes, hw.opackets)),
			rx_max = draw.num(m.rx), tx_max = draw.num(m.tx),
			errors = draw.pair(hw.ierrors, hw.oerrors),
			broadcast = draw.num(s.broadcast), multicast = draw.num(s.multicast),
			_64 = draw.num(s._64), _65_127 = draw.num(s._65_127), _128_255 = draw.num(s._128_255),
			_256_511 = draw.num(s._256_511), _512_1023 = draw.num(s._512_1023),
			_1024_1518 = draw.num(s._1024_1518), runts = draw.pair(s.runt, s.jumbo),
			arp = draw.pair(kinds.arp or 0, kinds.echo or 0),
			count_rate = count_rate(cfg),
			size_burst = string.format("%d /%3d:%3d", info.pkt_size, cfg.rx_burst, cfg.tx_burst),
			ports = string.format("%5d/%5d", l3.src_port, l3.dst_port),
			type_vlan = string.format("%s / %s:%04x", info.eth_type, info.proto_type, info.vlanid),
			dst_ip = l3.dst_ip, src_ip = l3.src_ip, dst_mac = l3.dst_mac, src_mac = l3.src_mac,
			bdf = info.pci_vendor,
		}
	end
	local function values(k)
		local v = {}
		for i = 1, #cols do
			v[i] = cols[i][k]
		end
		return v
	end
	local function row(label_item, label, item, k, total_item, total_value)
		lines:row(label_item, label, item, values(k), total_value and { total_item, total_value })
	end
	row("stats.port.label", "Port:Flags", "stats.port.flags", "flags")
	row("stats.port.linklbl", "Link State", "stats.port.status", "link", "stats.total.label", "---Total Rate---")
	row("stats.port.sizes", "Pkts/s Rx", "stats.port.sizes", "rx_pps", "stats.port.sizes", draw.num(total.rx_pps))
	row("stats.port.sizes", "       Tx", "stats.port.sizes", "tx_pps", "stats.port.sizes", draw.num(total.tx_pps))
	row("stats.mac", "MBits/s Rx/Tx", "stats.mac", "mbits", "stats.mac", draw.pair(total.rx_bits, total.tx_bits))
	row("stats.port.totlbl", "Total Rx Pkts", "stats.port.totals", "rx_total")
	row("stats.port.totlbl", "      Tx Pkts", "stats.port.totals", "tx_total")
	row("stats.port.totlbl", "      Rx/Tx MBs", "stats.port.totals", "mbs")
	row("stats.port.totals", "Pkts/s Rx Max", "stats.port.totals", "rx_max", "stats.port.totals", draw.num(tmax.rx))
	row("stats.port.totals", "       Tx Max", "stats.port.totals", "tx_max", "stats.port.totals", draw.num(tmax.tx))
	row("stats.port.errlbl", "Errors Rx/Tx", "stats.port.errors", "errors")
	row("stats.port.sizelbl", "Broadcast", "stats.port.sizes", "broadcast")
	row("stats.port.sizelbl", "Multicast", "stats.port.sizes", "multicast")
	row("stats.port.sizelbl", "Sizes 64", "stats.port.sizes", "_64")
	row("stats.port.sizelbl", "      65-127", "stats.port.sizes", "_65_127")
	row("stats.port.sizelbl", "      128-255", "stats.port.sizes", "_128_255")
	row("stats.port.sizelbl", "      256-511", "stats.port.sizes", "_256_511")
	row("stats.port.sizelbl", "      512-1023", "stats.port.sizes", "_512_1023")
	row("stats.port.sizelbl", "      1024-1518", "stats.port.sizes", "_1024_1518")
	row("stats.port.sizelbl", "Runts/Jumbos", "stats.port.sizes", "runts")
	row("stats.port.sizelbl", "ARP/ICMP Pkts", "stats.port.sizes", "arp")
	row("stats.stat.label", "Tx Count/% Rate", "stats.rate.count", "count_rate")
	row("stats.stat.label", "Pkt Size/Rx:Tx Burst", "stats.stat.values", "size_burst")
	row("stats.stat.label", "Port Src/Dest", "stats.stat.values", "ports")
	row("stats.stat.label", "Pkt Type:VLAN ID", "stats.stat.values", "type_vlan")
	row("stats.stat.label", "IP  Destination", "stats.ip", "dst_ip")
	row("stats.stat.label", "    Source", "stats.ip", "src_ip")
	row("stats.stat.label", "MAC Destination", "stats.mac", "dst_mac")
	row("stats.stat.label", "    Source", "stats.mac", "src_mac")
	row("stats.stat.label", "NUMA/Vend:ID/PCI", "stats.bdf", "bdf")
	return lines
end

return M
