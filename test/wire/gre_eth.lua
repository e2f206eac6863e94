--- GRE with an Ethernet payload and a key.
dofile("test/wire/common.lua")
pktgen.set_proto(0, "udp")
pktgen.gre_eth(0, "on")
pktgen.range.gre_key(0, 78)
send(3)
