--- ICMP echo requests.
dofile("test/wire/common.lua")
pktgen.set_proto(0, "icmp")
send(3)
