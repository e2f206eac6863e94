--- One gratuitous ARP from send_arp.
dofile("test/wire/common.lua")
pktgen.set_ipaddr(0, "src", "10.1.1.1/24")
pktgen.send_arp(0, "gratuitous")
