--- One ICMP echo request from ping4.
dofile("test/wire/common.lua")
pktgen.ping4(0)
