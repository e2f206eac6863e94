--- pktgen.record / pktgen.record_stop: every port's rates and counters, one row per interval,
-- to a CSV or JSON Lines file while traffic runs (the runtime's recorder thread writes it).
local engine = require "engine"
local portlist = require "pktgen.internal.portlist"

local M = {}

local function format_of(file, f)
	if f == nil then
		return (string.match(file, "%.jsonl$") or string.match(file, "%.ndjson$")) and "jsonl" or "csv"
	end
	return f
end

--- Install pktgen.record(file[, {interval = ms, format = "csv"|"jsonl", ports = pl}]) and
-- pktgen.record_stop() -> rows, file.
function M.install(pktgen)
	function pktgen.record(file, opts)
		if type(file) ~= "string" then
			error("record: give a file name, e.g. pktgen.record('rates.csv')", 0)
		end
		if opts ~= nil and type(opts) ~= "table" then
			error("record: options must be a table {interval = ms, format = 'csv'|'jsonl', ports = pl}", 0)
		end
		opts = opts or {}
		local ports = portlist.parse("record", opts.ports or "all")
		local ms = opts.interval or 1000
		engine.record_start(file, format_of(file, opts.format), math.tointeger(ms) or ms, ports)
	end

	function pktgen.record_stop()
		return engine.record_stop()
	end
end

return M
