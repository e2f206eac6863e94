--- Shared by the wire scenarios (runtime/tests/wire.rs): send n packets of port 0's config and
-- wait until they have left, so the pcap file holds exactly those.
function send(n)
	pktgen.set(0, "count", n)
	pktgen.start(0)
	local waited = 0
	while pktgen.isSending(0)[0] == "y" do
		assert(waited < 10000, "port 0 still sending")
		pktgen.delay(10)
		waited = waited + 10
	end
end
pktgen.reset("all")
