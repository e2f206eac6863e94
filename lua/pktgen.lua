--- The Pktgen-compatible `pktgen` table over the native `engine` module; docs/LUA_API.md
-- describes every function. Each module of pktgen/api/ installs one group of functions; this
-- one puts them together, sets the global `pktgen` and returns it.
local M = {}

-- Running and waiting: start, stop, prime, clear, clr, reset, quit, delay, pause, sleep, load,
-- run, port_restart, blink, clock_gettime, continue, input.
require("pktgen.api.control").install(M)
-- The single packet: set, set_mac, set_ipaddr, set_proto, set_type, set_tcp_flags, vlanid, cos,
-- tos, pattern, userPattern.
require("pktgen.api.packet").install(M)
-- Per-port getters: portStats, portInfo, portLayout, isSending, linkState, pktStats, portSizes,
-- portCount, totalPorts.
require("pktgen.api.getters").install(M)
require("pktgen.api.help").install(M)
-- Sequence, range and random bitfields.
require("pktgen.api.seq").install(M)
require("pktgen.api.range").install(M)
require("pktgen.api.random").install(M)
-- Encapsulations (vlan, qinq, mpls, gre, gre_eth, vxlan) and their ids, gtpu_teid, rnd_s_ip/pt.
require("pktgen.api.encap").install(M)
-- The receive side: process, icmp_echo (answering), mac_from_arp; capture; pcap replay.
require("pktgen.api.respond").install(M)
require("pktgen.api.capture").install(M)
-- Counting filters on what ports receive (pktgen.rx: add, remove, clear, list, stats).
require("pktgen.api.rx").install(M)
require("pktgen.api.pcap").install(M)
-- Single packets sent on their own: send_arp, send_ns, ping4.
require("pktgen.api.oneshot").install(M)
-- Latency: latency, jitter, latsampler_params, latsampler, latencyHistogram, newHistogram.
require("pktgen.api.latency").install(M)
-- pktgen.save: the configuration as a .lua or .pkt script.
require("pktgen.api.save").install(M)
-- Results for programs and people: pktgen.json, the recorder, charts.
require("pktgen.api.json").install(M)
require("pktgen.api.record").install(M)
require("pktgen.api.chart").install(M)
-- The console's live pages: screen, page, port, ports_per_page, cls, update, pageText.
require("pktgen.api.screen").install(M)
-- Ours: several streams per port (pktgen.streams), and the packet library they send from.
require("pktgen.api.streams").install(M)
M.packet = require "packet"
-- Mirrors to TAP interfaces (rxtap, txtap, tapStats) and bonding information.
require("pktgen.api.tap").install(M)
require("pktgen.api.bonding").install(M)
-- pktgen.info: Pktgen's version strings and limits.
require("pktgen.api.info").install(M)

pktgen = M
return M
