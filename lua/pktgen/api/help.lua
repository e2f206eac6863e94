--- `pktgen.help()` and `pktgen["Lua.help"]()`: one line per function of the pktgen table, as
-- Pktgen's help is one string.
local M = {}

M.LINES = {
	"pktgen Lua API (Pktgen-DPDK compatible); pl is a port list: \"all\", \"0-3,5\" or a port number",
	"  set(pl, key, value)         count|size|rate (percent or 'max')|burst|txburst|rxburst|cycles|catch_up|sport|dport|ttl|seq_cnt|prime|dump",
	"  start(pl) stop(pl) prime(pl) clear(pl) clr() reset(pl)",
	"  set_mac(pl, 'src'|'dst', mac) set_ipaddr(pl, 'src'|'dst', ip[/nn]) set_proto(pl, 'udp'|'tcp'|'icmp')",
	"  set_type(pl, 'ipv4'|'ipv6'|'arp') set_tcp_flags(pl, 'syn,ack') vlan(pl, onoff) vlanid(pl, id)",
	"  cos(pl, _, cos) tos(pl, tos) pattern(pl, 'abc'|'none'|'user'|'zero') userPattern(pl, str)",
	"  seq(n, pl, dmac, smac, dip, sip/nn, sport, dport, 'ipv4'|'ipv6', 'udp'|'tcp'|'icmp', vlan, size[, teid])",
	"  seqTable(n, pl, tbl) seq_tcp_flags(n, pl, flags)",
	"  set_range(pl, onoff) range.<field>(pl, 'start'|'min'|'max'|'inc', value)",
	"  rnd(pl, idx, offset, mask) rnd_list([pl])",
	"  delay(ms) sleep(s) pause(msg, ms) load(file) run('cmd'|'lua', str, _)",
	"  isSending(pl) linkState(pl) portStats(pl[, 'port'|'rate']) portInfo(pl) pktStats(pl) portSizes(pl)",
	"  portCount() totalPorts() info screen(onoff) page(name) cls() update() ports_per_page(n) port(n)",
	"  portLayout(pl)              ours: {rx_queues, tx_queues, rx_lcores, tx_lcores, answer_lcores, rss}",
	"  latencyProbes(pl)           ours: {probes, share} sent beside frames too small for a stamp",
	"  streams.add(port, {name, size, proto, src_ip, dst_ip, sport, dport, vlan, range, rate, count,",
	"      burst, bursts = {count, size, gap_us}, delay_ms, after, imix, latency, catch_up}) -> id",
	"      or the frames: packet = p (require 'packet', also pktgen.packet), frame, frames, pcap;",
	"      fields = {{'ipv4.src', inc = {min, max}}, {'udp.sport', random = {min, max}}, ...}",
	"  streams.start|stop|pause|resume(pl[, id|name]) streams.stats(port, id|name) streams.histogram(port, id|name)",
	"  streams.list(port) streams.print(pl) streams.remove(port, id|name)   ours: many streams per port (docs/STREAMS.md)",
	"  json.encode(v[, {pretty = true}]) json.decode(text) json.null   JSON, e.g. of any getter's result",
	"  record(file[, {interval = ms, format = 'csv'|'jsonl', ports = pl}]) record_stop()   rates to a file",
	"  chart.latency(svg, h | {h, ...}[, opts]) chart.rates(svg, recording[, {metric = 'pps'|'bps'}]) h:chart(svg)",
	"  pageText([name[, cols]])    ours: a page as text; pages main range seq rnd pcap latency stats xstats cpu queues streams filters",
	"  rx.add(port, name, 'tcpdump filter') rx.remove(port, name) rx.clear(port) rx.list(port) rx.stats(port)",
	"      ours: counting filters on what a port receives; capture(pl, 'on', {filter, packets}) captured(port)",
	"  rxtap(pl, onoff) txtap(pl, onoff)   mirror what a port receives/sends to TAP pg_rxtapN/pg_txtapN",
	"  tapStats(pl)                ours: {rx = {on, name, packets, dropped}, tx = {...}}",
	"  bonding(pl, onoff)          show bonding mode and members (or that a port is not bonded)",
	"  require('rfc2544').run{...} ours: RFC 2544 throughput, latency, loss, back-to-back; report (docs/RFC2544.md)",
	"  help() quit()",
	"Every function, its arguments, results and errors: docs/LUA_API.md in pktgen's repository.",
}

function M.text()
	return table.concat(M.LINES, "\n") .. "\n"
end

function M.install(pktgen)
	pktgen.help = M.text
	pktgen["Lua.help"] = M.text
end

return M
