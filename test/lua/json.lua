--- pktgen.json: every getter's result encodes, decodes back to the same values (integer keys as
-- strings, integers as integers, floats as floats), and bad input fails with a clear message.
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local check, fails = t.check, t.fails
local json = pktgen.json

-- `back` is what decoding `orig`'s JSON gave: the same values, with keys as JSON has them.
local function same(path, orig, back)
	if type(orig) ~= "table" then
		check(math.type(orig) == math.type(back), "%s: %s became %s", path, math.type(orig) or type(orig),
			math.type(back) or type(back))
		check(orig == back, "%s: %s became %s", path, tostring(orig), tostring(back))
		return
	end
	check(type(back) == "table", "%s: a table became %s", path, type(back))
	local n = 0
	for k, v in pairs(orig) do
		n = n + 1
		-- A sequence stays a sequence (integer keys); anything else is an object (string keys).
		local bk = back[k]
		if bk == nil then
			bk = back[tostring(k)]
		end
		same(path .. "." .. tostring(k), v, bk)
	end
	local m = 0
	for _ in pairs(back) do
		m = m + 1
	end
	check(n == m, "%s: %d keys became %d", path, n, m)
end

local function round_trip(name, v)
	local text = json.encode(v)
	check(type(text) == "string" and #text > 0, "%s: no JSON", name)
	same(name, v, json.decode(text))
	-- Pretty output is the same data.
	same(name .. " (pretty)", v, json.decode(json.encode(v, { pretty = true })))
	return text
end

-- Something to count, and latency to measure.
pktgen.set(0, "rate", 1)
pktgen.set_proto(0, "udp")
pktgen.latency("0-1", "on")
t.send(500)
t.wait_for("port 1 to receive them", function() return pktgen.portStats(1)[1].qstats[0].ipackets >= 500 end)

local ps = round_trip("portStats", pktgen.portStats("0-1"))
check(string.find(ps, '"n":2', 1, true), "n is in the JSON: %s", ps)
check(string.find(ps, '"0":{"curr":{', 1, true), "port 0 is the key \"0\": %s", ps)
check(string.find(ps, '"opackets":500,', 1, true), "counts are integers: %s", ps)
round_trip("portStats port", pktgen.portStats("all", "port"))
round_trip("portStats rate", pktgen.portStats("all", "rate"))
round_trip("portInfo", pktgen.portInfo("all"))
round_trip("pktStats", pktgen.pktStats("all"))
round_trip("portSizes", pktgen.portSizes("all"))
round_trip("isSending", pktgen.isSending("all"))
round_trip("linkState", pktgen.linkState("all"))
round_trip("portCount", pktgen.portCount())
round_trip("info", pktgen.info)
round_trip("engine.stats", require("engine").stats(0))
round_trip("no ports", pktgen.isSending(63))

-- A latency histogram encodes as a summary in ns (its HDR data stays behind).
local h = pktgen.latencyHistogram(1)
local hj = json.decode(json.encode(h))
check(hj.port == 1 and hj.lost == 0, "histogram fields: %s", json.encode(h))
check(hj.hdr.unit == "ns" and hj.hdr.count == 500, "histogram summary: %s", json.encode(h.hdr))
check(hj.hdr.percentiles["99.9"] == h:percentile(99.9), "p99.9 %s vs %s", hj.hdr.percentiles["99.9"],
	h:percentile(99.9))
check(math.type(hj.hdr.min) == "integer" and math.type(hj.hdr.mean) == "float", "ns as integers, mean a float")

-- Exact text for the cases scripts rely on.
t.eq("integers", json.encode({ 1, 2, 3 }), "[1,2,3]")
t.eq("floats stay floats", json.encode({ 1.0, 0.5 }), "[1.0,0.5]")
t.eq("sorted keys", json.encode({ b = 1, a = { [0] = "x", n = 1 } }), '{"a":{"0":"x","n":1},"b":1}')
t.eq("null", json.encode({ json.null }), "[null]")
t.eq("null decodes to json.null", json.decode("[null]")[1], json.null)
t.eq("escapes", json.encode("a\"b\n\0"), '"a\\"b\\n\\u0000"')
t.eq("empty object decodes to a table", next(json.decode("{}")), nil)
t.eq("big integers", json.decode("9007199254740993"), 9007199254740993)

-- Errors name the function and the problem.
fails("pktgen.json.encode: cannot serialize <function>", json.encode, { f = print })
fails("pktgen.json.decode: EOF while parsing", json.decode, '{"a": ')
fails("pktgen.json.decode: expected a string of JSON text, got table", json.decode, {})
local loop = {}
loop.self = loop
fails("pktgen.json.encode: recursive table detected", json.encode, loop)

print("json: ok")
