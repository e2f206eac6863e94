--- GTP-U (UDP to 2152) with the TEID from gtpu_teid.
dofile("test/wire/common.lua")
pktgen.set_proto(0, "udp")
pktgen.set(0, "dport", 2152)
pktgen.gtpu_teid(0, "start", 999)
send(3)
