--- The stats page (Pktgen's "Real Port Stats" page, `page stats`/`qstats`): the current
-- port's counters and rates, then a line per queue with its counters since the last clear and
-- the lcores that own it.
local engine = require "engine"
local stats = require "pktgen.internal.stats"
local draw = require "pktgen.console.draw"

local M = {}

function M.lines(ctx)
	local lines = draw.lines()
	local p = ctx.port
	draw.title(lines, "Real Port Stats", string.format("Port %d", p))
	local i, st, r = engine.info(p), engine.stats(p), engine.rates(p)
	local hw = st.hw
	local function field(label, value, item)
		lines:add("stats.stat.label", draw.left(label, 18) .. ": ", item or "stats.stat.values", value)
	end
	field("Device", string.format("%s (%s), NUMA %d", i.name, i.driver, i.socket or 0))
	field("Pkts Rx/Tx", draw.pair(hw.ipackets, hw.opackets))
	field("Bytes Rx/Tx", draw.pair(hw.ibytes, hw.obytes))
	field("Rx Errors/Missed", draw.pair(hw.ierrors, hw.imissed), "stats.port.errors")
	field("Tx Errors/No mbuf", draw.pair(hw.oerrors, st.tx_no_mbuf or 0), "stats.port.errors")
	field("Rate Rx/Tx pps", draw.pair(r.rx_pps, r.tx_pps), "stats.port.sizes")
	field("MAC Address", i.mac, "stats.mac")
	field("Link Status", stats.link_state(p), "stats.port.status")
	lines:blank()
	lines:add("stats.port.status", string.format("  %-6s %14s %14s %14s %14s %8s %8s", "Queue", "ipackets", "opackets",
		"ibytes", "obytes", "rx lcore", "tx lcore"))
	local function lc(v)
		return v and tostring(v) or "-"
	end
	for _, q in ipairs(engine.queues(p)) do
		lines:add("stats.stat.values", string.format("  Q %-4d %14s %14s %14s %14s %8s %8s", q.queue,
			draw.num(q.rx_packets or 0), draw.num(q.tx_packets or 0), draw.num(q.rx_bytes or 0),
			draw.num(q.tx_bytes or 0), lc(q.rx_lcore), lc(q.tx_lcore)))
	end
	return lines
end

return M
