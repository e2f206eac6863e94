--- The `make run` demo, on the embedded back-to-back pair: three streams with their own rates
-- from port 0 to port 1, the streams page live while they run (progress lines when stdout is
-- not a terminal), then the voice stream's latency histogram and the streams table.
local seconds = 4

-- The page is drawn only on a terminal; elsewhere (a pipe, a test) the demo prints progress.
local tty = os.execute("test -t 1") == true

pktgen.screen("off")
pktgen.clr()

local streams = pktgen.streams
streams.add(0, { name = "voice", size = 128, proto = "udp", dport = 5060, rate = "20kpps" })
streams.add(0, { name = "video", size = 1024, proto = "udp", dport = 5004, rate = 1 })
streams.add(0, { name = "bulk", imix = "7:4:1", proto = "udp", rate = "50kpps" })

local function heading()
	print(string.format("Ports: %d, link %s", pktgen.portCount(), pktgen.linkState(0)[0]))
	print(string.format("Port 0 -> port 1 for %d s: voice 20 kpps, video 1 %% of the link, bulk 50 kpps IMIX", seconds))
end

streams.start(0)
if tty then
	pktgen.page("streams")
	pktgen.screen("on")
	pktgen.delay(seconds * 1000)
	pktgen.screen("off")
	-- The page goes away when the runtime gets a turn; output before that would scroll under it.
	pktgen.delay(1)
	heading()
else
	heading()
	for i = 1, seconds do
		pktgen.delay(1000)
		local r = pktgen.portStats("0-1", "rate")
		print(string.format("  %ds: port 0 tx %d pps, port 1 rx %d pps", i, r[0].pkts_tx, r[1].pkts_rx))
	end
end
streams.stop(0)

-- The last packets reach port 1 within a second; wait for them (at most 2 s) before counting.
local st
for _ = 1, 200 do
	st = pktgen.portStats("0-1")
	if st[1].curr.ipackets >= st[0].curr.opackets then
		break
	end
	pktgen.delay(10)
end

streams.histogram(0, "voice"):print("Latency of the voice stream, port 0 -> port 1")
print()
streams.print(0)
print(string.format("port 0 sent %d packets, port 1 received %d", st[0].curr.opackets, st[1].curr.ipackets))
print("Type pktgen.streams.start(0) to send again, page streams to watch them, help for more, quit to leave.")
