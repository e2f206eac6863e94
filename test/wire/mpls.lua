--- One MPLS label from range.mpls_entry.
dofile("test/wire/common.lua")
pktgen.set_proto(0, "udp")
pktgen.mpls(0, "on")
pktgen.range.mpls_entry(0, "2a0ff")
send(3)
