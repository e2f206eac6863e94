--- Single TCP packets with addresses, port and SYN flag set.
dofile("test/wire/common.lua")
pktgen.set_ipaddr(0, "src", "10.0.0.1/24")
pktgen.set_ipaddr(0, "dst", "10.0.0.2")
pktgen.set(0, "dport", 80)
pktgen.set_tcp_flags(0, "syn")
send(3)
