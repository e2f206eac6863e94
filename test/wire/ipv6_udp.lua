--- IPv6/UDP at 118 bytes.
dofile("test/wire/common.lua")
pktgen.set_ipaddr(0, "src", "fd00::1/64")
pktgen.set_ipaddr(0, "dst", "fd00::2")
pktgen.set_proto(0, "udp")
pktgen.set(0, "size", 118)
send(3)
