--- Pktgen 23.x names scripts still use: every `pktgen.info` integer with its documented value
-- (docs/LUA_API.md), Pktgen's `seqTable(pktgen.info.startSeqIdx + i, ...)` pattern with its
-- 60-byte sizes, sizes below the minimum clamped by every setter (also on a port already sending
-- in sequence mode, and in pcap replay), the note for a port list naming no port, and bonding.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local testing = require "testing"
local eq, check, wait_for = testing.eq, testing.check, testing.wait_for
local engine = require "engine"
local config = require "pktgen.internal.config"

-- Every integer of pktgen.info, as documented for this pktgen without -j.
local want = {
	startSeqIdx = 0, singlePktIdx = 16, rangePktIdx = 17, pingPktIdx = 18, ratePktIdx = 19,
	numSeqPkts = 16, numTotalPkts = 20, minPktSize = 64, maxPktSize = 1518, minVlanID = 1,
	maxVlanID = 4095, vlanTagSize = 4, mbufCacheSize = 256, minCos = 0, maxCos = 7, minTOS = 0,
	maxTOS = 255, defaultPktBurst = 32, defaultPktRxBurst = 64, defaultPktTxBurst = 32,
	maxPktRxBurst = 256, maxPktTxBurst = 256, defaultBuffSize = 2048, maxMbufsPerPort = 8191,
	maxPrimeCount = 4,
}
for k, v in pairs(want) do
	eq("math.type(pktgen.info." .. k .. ")", math.type(pktgen.info[k]), "integer")
	eq("pktgen.info." .. k, pktgen.info[k], v)
end
local integers = 0
for _, v in pairs(pktgen.info) do
	if math.type(v) == "integer" then
		integers = integers + 1
	end
end
eq("number of integer fields", integers, 25)

-- Pktgen's sequence pattern: slots from startSeqIdx, sizes of 60 (without FCS, in Pktgen's
-- test scripts), then seq_cnt. Sizes below the minimum become 64.
pktgen.reset("all")
pktgen.clr()
local function slot(i, size)
	return {
		eth_dst_addr = "00:11:22:33:44:55", eth_src_addr = "00:11:22:33:44:66",
		ip_dst_addr = "10.12.0.1", ip_src_addr = "10.12.0.2/16",
		sport = 9000 + i, dport = 10000 + i, ethType = "ipv4", ipProto = "udp",
		vlanid = 1, pktSize = size, teid = 0,
	}
end
for i = 0, 3 do
	pktgen.seqTable(pktgen.info.startSeqIdx + i, "0", slot(i, 60))
	eq("slot " .. i .. " size", config.get(0).seq[i].size, pktgen.info.minPktSize)
end
pktgen.set("0", "seq_cnt", 4)
testing.send(400)
wait_for("port 1 to receive the 400", function() return pktgen.portStats(1)[1].curr.ipackets >= 400 end)
eq("64-byte frames received", pktgen.portSizes(1)[1]._64, 400)

-- The same table on a port already sending forever in sequence mode: the setter restarts the
-- stream with the new slot, which must not be refused.
pktgen.set("0", "count", 0)
pktgen.start("0")
pktgen.seqTable(pktgen.info.startSeqIdx, "0", slot(0, 60))
pktgen.seq(1, "0", "00:11:22:33:44:55", "00:11:22:33:44:66", "10.12.0.1", "10.12.0.2/16", 1, 2, "ipv6", "udp",
	1, 10)
eq("sending after the restarts", pktgen.isSending(0)[0], "y")
pktgen.stop("0")
eq("IPv6 slot clamped to 78", config.get(0).seq[1].size, 78)
-- A slot without pktSize gets the minimum too (Pktgen would underflow).
local t = slot(2, 0)
t.pktSize = nil
pktgen.seqTable(2, "0", t)
eq("slot without pktSize", config.get(0).seq[2].size, 64)

-- Every other setter follows the same rule.
pktgen.reset("0")
pktgen.set("0", "size", 60)
eq("set size 60", pktgen.portInfo(0)[0].info.pkt_size, 64)
pktgen.range.pkt_size("0", "min", 10)
eq("range min 10", config.get(0).range.pkt_size.min, 64)
pktgen.range.pkt_size("0", "max", 100000)
eq("range max", config.get(0).range.pkt_size.max, pktgen.info.maxPktSize)

-- pcap replay: a 20-byte packet goes out padded to 60 (64 with FCS), a 2000-byte one cut to
-- the largest frame (1518 with FCS), as Pktgen's pcap loader does.
local path = os.tmpname()
engine.write_pcap(path, { string.rep("\1", 20), string.rep("\2", 2000) })
pktgen.clr()
engine.start(0, { pcap = path, count = 2 })
wait_for("port 1 to receive the capture", function() return pktgen.portStats(1)[1].curr.ipackets >= 2 end)
os.remove(path)
local sizes = pktgen.portSizes(1)[1]
eq("short pcap packet padded", sizes._64, 1)
eq("long pcap packet cut", sizes._1024_1518, 1)

-- A port list naming no port: nothing happens, no error, and one note on the caller's output.
local note = os.tmpname()
local f = assert(io.open(note, "w"))
local old = io.output()
io.output(f)
pktgen.start("9")
pktgen.set("5-7", "rate", 10)
io.output(old)
f:close()
f = assert(io.open(note, "r"))
local text = f:read("a")
f:close()
os.remove(note)
check(string.find(text, "start: port list '9' names no port of this pktgen (ports 0-1); nothing done\n", 1, true),
	"no note for start('9'): %q", text)
check(string.find(text, "set: port list '5-7' names no port", 1, true), "no note for set('5-7'): %q", text)
eq("port 0 still idle", pktgen.isSending(0)[0], "n")

-- bonding on ports that are not bonding ports says so.
eq("bonding", require("pktgen.api.bonding").describe(0)[1], "Port 0 is not a bonding port")

print("compat: ok")
