--- GRE with an IPv4 payload and a key.
dofile("test/wire/common.lua")
pktgen.gre(0, "on")
pktgen.range.gre_key(0, 77)
send(3)
