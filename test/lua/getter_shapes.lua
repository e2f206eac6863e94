--- Every getter's keys, exactly as docs/LUA_API.md, section 11, gives them (Pktgen 26.02's and the legacy shapes).
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local function keys(t)
	local ks = {}
	for k in pairs(t) do
		ks[#ks + 1] = tostring(k)
	end
	table.sort(ks)
	return table.concat(ks, ",")
end

local function expect(what, t, list)
	assert(type(t) == "table", what .. " is not a table")
	table.sort(list)
	local want = table.concat(list, ",")
	local got = keys(t)
	assert(got == want, string.format("%s keys:\n  got  %s\n  want %s", what, got, want))
end

local function integers(what, t)
	for k, v in pairs(t) do
		assert(math.type(v) == "integer", string.format("%s.%s = %s is not an integer", what, k, tostring(v)))
	end
end

local nports = pktgen.portCount()
assert(math.type(nports) == "integer" and nports >= 2, "portCount " .. tostring(nports))
assert(pktgen.totalPorts() == nports, "totalPorts ~= portCount")

local ports = { "n" }
for p = 0, nports - 1 do
	ports[#ports + 1] = tostring(p)
end

-- isSending / linkState: {[pid] = string, n}
local s = pktgen.isSending("all")
expect("isSending", s, { table.unpack(ports) })
assert(s.n == nports)
assert(s[0] == "y" or s[0] == "n", "isSending value " .. tostring(s[0]))
local l = pktgen.linkState("all")
expect("linkState", l, { table.unpack(ports) })
assert(string.match(l[0], "^<UP%-%d+%-[FH]D>$") or l[0] == "<--Down-->", "linkState " .. l[0])
assert(tonumber(string.match(l[0], "%d+")), "no speed in " .. l[0]) -- as scripts/rfc2544.lua reads it

-- a port list naming no existing port gives only n = 0
expect("isSending(63)", pktgen.isSending(63), { "n" })
assert(pktgen.isSending(63).n == 0)

-- portStats(pl): {curr, sizes, qstats}
local ps = pktgen.portStats("0,1")
expect("portStats", ps, { "0", "1", "n" })
assert(ps.n == 2)
expect("portStats[0]", ps[0], { "curr", "sizes", "qstats" })
expect("curr", ps[0].curr, { "ipackets", "opackets", "ibytes", "obytes", "ierrors", "oerrors", "rx_nombuf", "imissed" })
integers("curr", ps[0].curr)
expect("sizes", ps[0].sizes, { "_64", "_65_127", "_128_255", "_256_511", "_512_1023", "_1024_1522",
	"broadcast", "multicast", "jumbo", "runt", "unknown" })
integers("sizes", ps[0].sizes)
assert(ps[0].qstats[0] ~= nil, "qstats[0] missing")
expect("qstats[0]", ps[0].qstats[0], { "ipackets", "opackets", "errors" })
integers("qstats[0]", ps[0].qstats[0])

-- legacy portStats(pl, "port"|"rate")
local lp = pktgen.portStats(0, "port")
expect("portStats port", lp, { "0", "n" })
expect("portStats port[0]", lp[0], { "ipackets", "opackets", "ibytes", "obytes", "ierrors", "oerrors", "rx_nombuf", "imissed" })
integers("portStats port[0]", lp[0])
local lr = pktgen.portStats(0, "rate")
expect("portStats rate[0]", lr[0], { "ipackets", "opackets", "ibytes", "obytes", "ierrors", "oerrors", "rx_nombuf",
	"imissed", "pkts_rx", "pkts_tx", "mbits_rx", "mbits_tx" })
integers("portStats rate[0]", lr[0])

-- legacy portSizes, pktStats
local sz = pktgen.portSizes(0)
expect("portSizes[0]", sz[0], { "runt", "_64", "_65_127", "_128_255", "_256_511", "_512_1023", "_1024_1518",
	"jumbo", "broadcast", "multicast" })
local pk = pktgen.pktStats(0)
expect("pktStats[0]", pk[0], { "arp_pkts", "echo_pkts", "ip_pkts", "ipv6_pkts", "vlan_pkts", "dropped_pkts",
	"unknown_pkts", "tx_failed", "mac_addr", "latency" })
expect("pktStats[0].latency", pk[0].latency, { "rate_us", "entropy", "jitter_threshold", "jitter_count", "num_pkts",
	"num_skipped", "min_cycles", "avg_cycles", "max_cycles", "min_us", "avg_us", "max_us" })

-- portInfo: {total_stats, info} with everything else nested inside info
local pi = pktgen.portInfo(0)
expect("portInfo", pi, { "0", "n" })
expect("portInfo[0]", pi[0], { "total_stats", "info" })
expect("total_stats", pi[0].total_stats, { "max_ipackets", "max_opackets", "cumm_rate_ipackets",
	"cumm_rate_opackets", "cumm_rate_itotals", "cumm_rate_ototals" })
integers("total_stats", pi[0].total_stats)
local info = pi[0].info
expect("info", info, { "pattern_type", "tx_count", "tx_rate", "pkt_size", "tx_burst", "rx_burst", "eth_type",
	"proto_type", "vlanid", "l2_l3_info", "pci_vendor", "tx_debug", "802.1p", "VxLAN" })
expect("l2_l3_info", info.l2_l3_info, { "src_port", "dst_port", "ttl", "dst_ip", "src_ip", "dst_mac", "src_mac" })
expect("tx_debug", info.tx_debug, { "tx_pps", "tx_cycles" })
expect("802.1p", info["802.1p"], { "cos", "dscp", "ipp" })
expect("VxLAN", info.VxLAN, { "vni_flags", "group_id", "vlan_id", "link_state" })
assert(info.VxLAN.link_state == pktgen.linkState(0)[0], "VxLAN.link_state " .. tostring(info.VxLAN.link_state))
assert(math.type(info.tx_rate) == "integer", "tx_rate must be an integer")
assert(type(info.pci_vendor) == "string")

-- rnd_list: [pid][idx 0..31] = {offset, mask, active}
local rl = pktgen.rnd_list()
assert(rl.n == nports, "rnd_list n " .. tostring(rl.n))
for idx = 0, 31 do
	expect("rnd_list[0][" .. idx .. "]", rl[0][idx], { "offset", "mask", "active" })
end
assert(rl[0][32] == nil)
assert(#string.gsub(rl[0][0].mask, " ", "") == 32, "mask " .. rl[0][0].mask)
assert(rl[0][0].active == "No")
expect("rnd_list(1)", pktgen.rnd_list(1), { "1", "n" })

-- pktgen.info: Pktgen 26.02's 8 strings and Pktgen 23.x's 25 integers (values in compat.lua)
local info_strings = { "Lua_Version", "Lua_Release", "Lua_Copyright", "Lua_Authors", "Pktgen_Version",
	"Pktgen_Copyright", "Pktgen_Authors", "DPDK_Version" }
local info_keys = { "startSeqIdx", "singlePktIdx", "rangePktIdx", "pingPktIdx", "ratePktIdx", "numSeqPkts",
	"numTotalPkts", "minPktSize", "maxPktSize", "minVlanID", "maxVlanID", "vlanTagSize", "mbufCacheSize", "minCos",
	"maxCos", "minTOS", "maxTOS", "defaultPktBurst", "defaultPktRxBurst", "defaultPktTxBurst", "maxPktRxBurst",
	"maxPktTxBurst", "defaultBuffSize", "maxMbufsPerPort", "maxPrimeCount" }
local is_string = {}
for _, k in ipairs(info_strings) do
	info_keys[#info_keys + 1] = k
	is_string[k] = true
end
expect("info", pktgen.info, info_keys)
for k, v in pairs(pktgen.info) do
	assert(type(v) == (is_string[k] and "string" or "number"), "info." .. k .. " is a " .. type(v))
end
assert(pktgen.info.Lua_Version == _VERSION)

-- help returns a string; the display calls are accepted and return nothing
assert(type(pktgen.help()) == "string")
assert(type(pktgen["Lua.help"]()) == "string")
assert(select("#", pktgen.page("main")) == 0)
assert(select("#", pktgen.cls()) == 0)
assert(select("#", pktgen.update()) == 0)
assert(select("#", pktgen.ports_per_page(2)) == 0)
assert(select("#", pktgen.port(0)) == 0)
assert(select("#", pktgen.set(0, "size", 64)) == 0, "setters return nothing")

printf("getter_shapes: ok\n")
