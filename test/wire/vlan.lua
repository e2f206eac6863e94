--- 802.1Q tag with id and priority.
dofile("test/wire/common.lua")
pktgen.set_proto(0, "udp")
pktgen.vlan(0, "on")
pktgen.vlanid(0, 42)
pktgen.cos(0, 0, 5)
send(3)
