--- IPv6/TCP at the 78-byte minimum.
dofile("test/wire/common.lua")
pktgen.set_ipaddr(0, "src", "fd00::1/64")
pktgen.set_ipaddr(0, "dst", "fd00::2")
send(3)
