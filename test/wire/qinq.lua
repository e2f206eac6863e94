--- Q-in-Q tags with ids from range.qinqids.
dofile("test/wire/common.lua")
pktgen.set_proto(0, "udp")
pktgen.qinq(0, "on")
pktgen.range.qinqids(0, 100, 200)
send(3)
