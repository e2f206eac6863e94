--- VXLAN with a VNI and a whole inner Ethernet/IPv4/UDP frame.
dofile("test/wire/common.lua")
pktgen.set_proto(0, "udp")
pktgen.vxlan(0, "on")
pktgen.vxlan_id(0, "0x8", 0, 5000)
send(3)
