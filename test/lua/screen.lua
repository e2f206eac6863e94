-- The console's pages without a terminal: pageText renders each page as text (what the screen
-- shows), page/port/ports_per_page choose what it shows, and the display calls are harmless.
package.path = package.path .. ";test/?.lua"
local t = require "testing"

local function has(text, want)
	t.check(string.find(text, want, 1, true) ~= nil, "%q in:\n%s", want, text)
end

-- The display calls of Pktgen scripts work with no terminal and change nothing else.
pktgen.screen("off")
pktgen.screen("on")
pktgen.cls()
pktgen.update()
t.fails("screen, wrong number of arguments", function() pktgen.screen() end)
t.fails("page, wrong number of arguments", function() pktgen.page() end)

-- Every page renders; the main page shows both ports and exact counters after a send.
pktgen.set("0", "count", 3000)
pktgen.start("0")
t.wait_for("3000 packets on port 1", function() return pktgen.portStats("1")[1].curr.ipackets == 3000 end)
local main = pktgen.pageText("main")
has(main, "<Main Page>  Ports 0-1 of 2")
has(main, "Total Rx Pkts       :                   0               3,000")
has(main, "Tx Count/% Rate     :         3,000 /100%       Forever /100%")
for _, name in ipairs { "range", "seq", "rnd", "pcap", "latency", "stats", "xstats", "cpu", "queues", "streams",
	"sequence", "random", "lat", "qstats", "system" } do
	local text = pktgen.pageText(name)
	has(text, " Page>")
	has(text, "-- Pktgen ")
end
has(pktgen.pageText("queues"), "Q 0")
t.fails("pageText: unknown page 'bogus'", function() pktgen.pageText("bogus") end)

-- page/port/ports_per_page choose the current page and its ports (Pktgen's rules).
pktgen.page("range")
has(pktgen.pageText(), "<Range Page>")
pktgen.page("no such page") -- any other name is the main page, as in Pktgen
has(pktgen.pageText(), "<Main Page>")
pktgen.ports_per_page(1)
has(pktgen.pageText(), "Ports 0-0 of 2")
pktgen.page("1") -- the second group of one port
has(pktgen.pageText(), "Ports 1-1 of 2")
pktgen.page("next")
has(pktgen.pageText(), "Ports 0-0 of 2")
pktgen.port(1)
has(pktgen.pageText("stats"), "<Real Port Stats Page>  Port 1")
pktgen.port(7) -- ignored: no such port
has(pktgen.pageText("stats"), "Port 1")
pktgen.ports_per_page(9) -- ignored: 1 to 6 and at most the ports there are
has(pktgen.pageText("main"), "Ports 1-1 of 2")
pktgen.ports_per_page(2)

-- The CLI: page checks the name; theme checks items, colours and attributes.
local cli = require "pktgen.console.cli"
cli.run_line("page latency")
has(pktgen.pageText(), "<Latency Page>")
t.fails("page: unknown page 'bogus'", function() cli.run_line("page bogus") end)
t.fails("theme: unknown item 'stats.nothing'", function() cli.run_line("theme stats.nothing red none bold") end)
t.fails("theme: unknown attribute 'wobbly'", function() cli.run_line("theme stats.mac red none wobbly") end)
cli.run_line("theme stats.mac red none bold")
cli.run_line("theme on")
local st = require("pktgen.console.theme").style("stats.mac")
t.eq("stats.mac fg", st.fg, "red")
t.eq("stats.mac attr", st.attr, "bold")
cli.run_line("theme off")
t.eq("the style with the theme off", require("pktgen.console.theme").style("stats.mac"), nil)

print("screen: ok")
