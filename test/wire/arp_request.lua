--- ARP requests from set_type("arp").
dofile("test/wire/common.lua")
pktgen.set_type(0, "arp")
send(3)
