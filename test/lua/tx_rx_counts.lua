--- Port 0 sends a counted stream; port 1 (back to back) receives it. Counts must agree in the
-- HEAD portStats shape, the legacy flat shape, and the software queue counters.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"
local t = require "testing"

local COUNT = 1000
local SIZE = 200 -- in the 128..255 bucket with or without the FCS

pktgen.screen("off")
pktgen.stop("all")
pktgen.clr()
pktgen.set(0, "size", SIZE)
pktgen.set(0, "rate", 1)
pktgen.set(0, "count", COUNT)
pktgen.set_proto(0, "udp")

t.send(COUNT)
-- Let port 1's receive side drain: then no more than were sent.
t.wait_for("port 1 to receive them", function() return pktgen.portStats(1)[1].qstats[0].ipackets >= COUNT end)

local head = pktgen.portStats("0-1")
assert(head.n == 2, "portStats n = " .. tostring(head.n))
local tx, rx = head[0].curr.opackets, head[1].curr.ipackets
assert(tx == COUNT, string.format("port 0 opackets %d, want %d", tx, COUNT))
assert(rx == COUNT, string.format("port 1 ipackets %d, want %d", rx, COUNT))
-- Byte counters exclude the FCS: SIZE - 4 bytes per frame. net_ring counts no bytes, so curr's
-- are the engine's own counts, and engine.stats(p).from_engine says so.
local engine = require "engine"
t.eq("port 0 driver", engine.info(0).driver, "net_ring")
t.eq("port 0 tx_bytes", engine.stats(0).tx_bytes, COUNT * (SIZE - 4))
t.eq("port 1 rx_bytes", engine.stats(1).rx_bytes, COUNT * (SIZE - 4))
local ob, ib = head[0].curr.obytes, head[1].curr.ibytes
assert(ob == COUNT * (SIZE - 4), string.format("port 0 obytes %d, want %d", ob, COUNT * (SIZE - 4)))
assert(ib == COUNT * (SIZE - 4), string.format("port 1 ibytes %d, want %d", ib, COUNT * (SIZE - 4)))
local from = table.concat(engine.stats(0).from_engine, ",") .. ";" .. table.concat(engine.stats(1).from_engine, ",")
assert(from == "obytes;ibytes", "counted by the engine: " .. from .. " (net_ring counts packets itself)")
assert(pktgen.portStats(0, "port")[0].obytes == ob, "the legacy shape gives the same obytes")
assert(head[0].qstats[0].opackets == COUNT, "port 0 qstats[0].opackets " .. head[0].qstats[0].opackets)
assert(head[1].qstats[0].ipackets == COUNT, "port 1 qstats[0].ipackets " .. head[1].qstats[0].ipackets)
assert(head[1].sizes._128_255 == COUNT, "port 1 sizes._128_255 " .. tostring(head[1].sizes._128_255))

local legacy = pktgen.portStats("0-1", "port")
assert(legacy.n == 2)
assert(legacy[0].opackets == COUNT, "legacy port 0 opackets " .. legacy[0].opackets)
assert(legacy[1].ipackets == COUNT, "legacy port 1 ipackets " .. legacy[1].ipackets)

local sizes = pktgen.portSizes(1)
assert(sizes[1]._128_255 == COUNT, "portSizes port 1 _128_255 " .. tostring(sizes[1]._128_255))

-- clear re-baselines to zero
pktgen.clear("0-1")
local z = pktgen.portStats("0-1")
assert(z[0].curr.opackets == 0 and z[1].curr.ipackets == 0, "counters not zero after clear")

-- a second run after the first finished
t.send(10)
t.wait_for("port 1 to receive the second run", function() return pktgen.portStats(1)[1].curr.ipackets >= 10 end)
assert(pktgen.portStats(1)[1].curr.ipackets == 10, "second run: port 1 ipackets " .. pktgen.portStats(1)[1].curr.ipackets)

printf("tx_rx_counts: ok\n")
