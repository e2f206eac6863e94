--- Shared by the wire scenarios (runtime/tests/wire.rs): `send(n)` sends n packets of port 0's
-- config and waits until they have left, so the pcap file holds exactly those.
package.path = package.path .. ";test/?.lua"
send = require("testing").send
pktgen.reset("all")
