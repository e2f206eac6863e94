--- Replays the mixed traffic file (given to pktgen as `-s 0:file`, $PG_FRAMES frames) $PG_REPEAT
-- times from port 0 into port 1, where 15 counting filters count it (and a 16th comes and goes);
-- prints each filter's count for runtime/tests/rx_filters.rs to compare with tcpdump's. Bad input
-- is tried while the traffic runs.
package.path = package.path .. ";" .. os.getenv("PG_TEST_LUA")
local engine = require "engine"
local t = require "testing"

local FILTERS = {
	{ "all", "" },
	{ "udp", "udp" },
	{ "dns", "udp and dst port 53" },
	{ "syn", "tcp[tcpflags] & tcp-syn != 0" },
	{ "synack", "tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)" },
	{ "rst_fin", "tcp[tcpflags] & (tcp-rst|tcp-fin) != 0" },
	{ "echo", "icmp[icmptype] == icmp-echo" },
	{ "arp", "arp" },
	{ "ip6", "ip6" },
	{ "doc6", "ip6 and src net 2001:db8::/32" },
	{ "vlan100syn", "vlan 100 and tcp[tcpflags] & tcp-syn != 0" },
	{ "qinq", "vlan 10 and vlan 100 and udp" },
	{ "vxlan", "udp dst port 4789" },
	{ "host", "ip host 198.51.100.7" },
	{ "gre", "ip proto 47 or icmp6" },
}

local p = 1
local n = tonumber(os.getenv("PG_FRAMES")) * tonumber(os.getenv("PG_REPEAT"))
pktgen.screen("off")
for _, f in ipairs(FILTERS) do
	pktgen.rx.add(p, f[1], f[2])
end
pktgen.rx.add(p, "churn", "tcp")
t.eq("filters listed", #pktgen.rx.list(p), 16)

pktgen.record("filters.csv", { interval = 100, ports = "1" })
pktgen.set(0, "count", n)
pktgen.pcap(0, "on")
pktgen.start(0)
-- Bad input while port 0 sends and port 1 counts: each a clear error, none stopping either; a
-- filter removed and added again meanwhile leaves the others' counts whole.
pktgen.rx.remove(p, "churn")
t.fails('"udp and port nonsense" does not compile: ', pktgen.rx.add, p, "bad", "udp and port nonsense")
t.fails("does not compile", pktgen.capture, p, "on", { filter = "tcp[" })
pktgen.rx.add(p, "churn", "udp")
t.fails("already counts with 16 filters", pktgen.rx.add, p, "seventeenth", "tcp")
t.fails("already has a filter named 'udp'", pktgen.rx.add, p, "udp", "tcp")
t.fails("port 9 does not exist", pktgen.rx.add, 9, "x", "tcp")
t.fails("has no filter named 'nope'", pktgen.rx.remove, p, "nope")

t.wait_for("port 1 to count every packet", function()
	local s = pktgen.rx.stats(p).all
	return s.packets >= n, s.packets
end)
-- The filters of a burst are counted together: once "all" has it, so have the others.
local stats = pktgen.rx.stats(p)
for _, f in ipairs(FILTERS) do
	local s = stats[f[1]]
	print(string.format("filter\t%s\t%d\t%d\t%s", f[1], s.packets, s.bytes, f[2]))
end
for q, s in ipairs(engine.queues(p)) do
	print(string.format("queue\t%d\t%d", q, s.rx_packets))
end
local native = pktgen.rx.list(p)[1].native
print("native\t" .. tostring(native))
t.eq("port 1 received", engine.stats(p).rx_packets, n)
-- The recorder has a column of each filter's packets: its last row catches up with the count.
local function recorded_dns()
	local f = assert(io.open("filters.csv"))
	local head, last = f:read("l"), nil
	for l in f:lines() do
		last = l
	end
	f:close()
	local col, i = nil, 0
	for name in head:gmatch("[^,]+") do
		i = i + 1
		if name == "p1_filter_dns_packets" then
			col = i
		end
	end
	local k = 0
	for v in (last or ""):gmatch("[^,]+") do
		k = k + 1
		if k == col then
			return tonumber(v)
		end
	end
end
t.wait_for("the recorder's dns column", function()
	local v = recorded_dns()
	return v == stats.dns.packets, v
end)
pktgen.record_stop()
-- The console's filters page and JSON show the same counts.
local page = pktgen.pageText("filters", 160)
t.check(page:find("<Filters Page>", 1, true) and page:find("udp and dst port 53", 1, true), "filters page:\n%s", page)
t.eq("dns in JSON", pktgen.json.decode(pktgen.json.encode(pktgen.rx.stats(p))).dns.packets, stats.dns.packets)
t.eq("removed", pktgen.rx.clear(p), 16)
t.eq("after clear", next(pktgen.rx.stats(p)), nil)
print("rx_filters: ok")
