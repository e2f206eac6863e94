--- rnd_s_ip and rnd_s_pt: random source host bits and port; checksums follow.
dofile("test/wire/common.lua")
pktgen.rnd_s_ip(0, "on")
pktgen.rnd_s_pt(0, "on")
send(8)
