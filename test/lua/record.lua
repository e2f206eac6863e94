--- pktgen.record: one row per interval with every port's rates and counters, in CSV and JSON
-- Lines, read back and checked against the interval, the traffic and portStats.
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local check, fails = t.check, t.fails

local INTERVAL = 200 -- ms

local function lines(path)
	local out = {}
	local f = assert(io.open(path))
	local text = f:read("a")
	f:close()
	check(string.sub(text, -1) == "\n", "%s does not end with a whole line", path)
	for l in string.gmatch(text, "[^\n]+") do
		out[#out + 1] = l
	end
	return out
end

local function split(line)
	local fields = {}
	for v in string.gmatch(line, "[^,]+") do
		fields[#fields + 1] = v
	end
	return fields
end

pktgen.set(0, "rate", 1)
pktgen.set(0, "size", 128)
pktgen.set(0, "count", 0)
pktgen.clr()
pktgen.start(0)
t.wait_for("traffic to flow", function() return pktgen.portStats(1)[1].curr.ipackets > 0 end)

-- CSV: a header, then one row per interval.
local csv = os.tmpname() .. ".csv"
local t0 = os.time()
pktgen.record(csv, { interval = INTERVAL })
fails("record: already recording to", pktgen.record, csv)
pktgen.delay(1100)
local rows, file = pktgen.record_stop()
check(file == csv and math.type(rows) == "integer", "record_stop gives rows and the file: %s %s", rows, file)
-- At least 1100 ms passed (more on a loaded machine): a row at each 200 ms mark before the stop.
check(rows >= 5, "1100 ms at %d ms: %d rows", INTERVAL, rows)
local l = lines(csv)
t.eq("lines", #l, rows + 1)
local head = split(l[1])
t.eq("columns", #head, 2 + 2 * 11)
t.eq("first", head[1], "time")
t.eq("p0", head[3], "p0_tx_pps")
t.eq("p1", head[14], "p1_tx_pps")
local col = {}
for i, h in ipairs(head) do
	col[h] = i
end
local prev, prev_mark
for i = 2, #l do
	local r = split(l[i])
	t.eq("fields in row " .. i, #r, #head)
	-- Each row closes the next interval: never early, one per interval (a stalled recorder skips
	-- to the next mark ahead rather than writing a burst).
	local elapsed = tonumber(r[col.elapsed_s])
	local mark = math.floor(elapsed * 1000 / INTERVAL + 1e-6)
	check(mark >= i - 1, "row %d at %.3f s is early", i - 1, elapsed)
	check(not prev_mark or mark > prev_mark, "row %d at %.3f s is in the interval of the row before", i - 1, elapsed)
	prev_mark = mark
	check(math.abs(tonumber(r[col.time]) - t0) < 10, "row %d time %s is Unix time", i - 1, r[col.time])
	check(tonumber(r[col.p0_tx_pps]) > 0 and tonumber(r[col.p1_rx_pps]) > 0, "row %d: traffic flows: %s", i - 1, l[i])
	check(tonumber(r[col.p0_tx_bps]) > 0, "row %d: bits too (net_ring counts no bytes)", i - 1)
	check(math.type(math.tointeger(r[col.p0_opackets])) == "integer", "counters are integers: %s", r[col.p0_opackets])
	if prev then
		check(tonumber(r[col.p0_opackets]) >= tonumber(prev[col.p0_opackets]), "opackets only grow")
	end
	prev = r
end
check(tonumber(prev[col.p0_opackets]) <= pktgen.portStats(0)[0].curr.opackets, "rows are behind the live counters")
os.remove(csv)

-- JSON Lines, chosen by the extension, for chosen ports; after stop, nothing more is written.
local jl = os.tmpname() .. ".jsonl"
pktgen.record(jl, { interval = INTERVAL, ports = "1" })
pktgen.delay(700)
rows = pktgen.record_stop()
check(rows >= 3, "700 ms at %d ms: %d rows", INTERVAL, rows)
local size = #table.concat(lines(jl), "\n")
pktgen.delay(2 * INTERVAL)
t.eq("nothing after stop", #table.concat(lines(jl), "\n"), size)
for i, line in ipairs(lines(jl)) do
	local r = pktgen.json.decode(line)
	check(r.ports["1"] and not r.ports["0"], "only port 1: %s", line)
	check(r.ports["1"].rx_pps > 0 and math.type(r.ports["1"].ipackets) == "integer", "row %d: %s", i, line)
end
t.eq("rows", #lines(jl), rows)
os.remove(jl)
pktgen.stop(0)

-- Errors name the problem; record_stop without a recording gives nothing.
t.eq("no recording", pktgen.record_stop(), nil)
-- (The checks come before the file is created, so none is.)
fails("record: interval must be 10 to 3600000 ms", pktgen.record, "never.csv", { interval = 1 })
fails("record: format must be 'csv' or 'jsonl'", pktgen.record, "never.csv", { format = "xml" })
fails("record: cannot create '/nonexistent/x.csv'", pktgen.record, "/nonexistent/x.csv")
fails("record: no port to record", pktgen.record, "never.csv", { ports = "9" })
fails("record: invalid portlist", pktgen.record, "never.csv", { ports = "x" })
check(not io.open("never.csv"), "a failed record left a file")
fails("record: give a file name", pktgen.record)
print("record: ok")
