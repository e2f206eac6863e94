--- Random bitfield on the low byte of the source IP; checksums follow.
dofile("test/wire/common.lua")
pktgen.set_proto(0, "udp")
pktgen.rnd(0, 0, 26, "........ ........ ........ XXXXXXXX")
send(8)
