--- pktgen.chart: SVG charts drawn by the runtime (plotters). latency: the percentile distribution
-- of latency histograms on a log-scaled percentile axis, as HdrHistogram's plotter draws it;
-- rates: a file pktgen.record wrote, each port's tx and rx over time.
local engine = require "engine"

local M = {}

local function is_histogram(h)
	return type(h) == "table" and h.hdr ~= nil
end

--- chart.latency(file, h | {h, ...} [, {title = s, labels = {s, ...}}]): h from latencyHistogram
-- or newHistogram; each line is labelled "port N" (or labels[i]).
function M.latency(file, hs, opts)
	opts = opts or {}
	if is_histogram(hs) then
		hs = { hs }
	end
	if type(hs) ~= "table" or #hs == 0 then
		error("chart.latency: give a histogram (pktgen.latencyHistogram(p)) or a list of them", 0)
	end
	local list = {}
	for i, h in ipairs(hs) do
		if not is_histogram(h) then
			error(string.format("chart.latency: item %d is not a latency histogram", i), 0)
		end
		local label = (opts.labels or {})[i] or (h.port and ("port " .. h.port)) or ("histogram " .. i)
		list[i] = { label, h.hdr }
	end
	engine.chart_latency(file, opts.title or "Latency by percentile", list)
end

--- chart.rates(file, recording [, {title = s, metric = "pps"|"bps"}]): recording is a file
-- pktgen.record wrote (CSV or JSON Lines).
function M.rates(file, recording, opts)
	opts = opts or {}
	local metric = opts.metric or "pps"
	local title = opts.title or (metric == "bps" and "Rates (Mb/s)" or "Rates (packets/s)")
	engine.chart_rates(file, title, recording, metric)
end

function M.install(pktgen)
	pktgen.chart = { latency = M.latency, rates = M.rates }
end

return M
