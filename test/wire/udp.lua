--- Single UDP packets with TTL, TOS and a user fill pattern.
dofile("test/wire/common.lua")
pktgen.set_proto(0, "udp")
pktgen.set(0, "ttl", 9)
pktgen.tos(0, 0x28)
pktgen.userPattern(0, "hello")
send(3)
