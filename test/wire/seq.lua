--- Sequence mode: three slots sent round-robin.
dofile("test/wire/common.lua")
local mac0, mac1 = "00:00:00:00:00:01", "00:00:00:00:00:02"
pktgen.seq(0, 0, mac1, mac0, "10.0.0.1", "10.0.0.9/24", 1, 2, "ipv4", "udp", 1, 64)
pktgen.seq(1, 0, mac1, mac0, "10.0.0.2", "10.0.0.9/24", 1, 2, "ipv4", "tcp", 1, 128)
pktgen.seqTable(2, 0, { eth_dst_addr = mac1, eth_src_addr = mac0, ip_dst_addr = "10.0.0.3",
	ip_src_addr = "10.0.0.9/24", sport = 3, dport = 4, pktSize = 256, ethType = "ipv4", ipProto = "udp" })
pktgen.set(0, "seq_cnt", 3)
send(4)
