--- The sequence page: the current port's 16 sequence slots, one per line (Pktgen's seq page);
-- the first seq_cnt of them are what the port sends in sequence mode.
local config = require "pktgen.internal.config"
local args = require "pktgen.internal.args"
local draw = require "pktgen.console.draw"

local M = {}

local HEAD = "  Seq  %-17s  %-17s  %-16s  %-19s  %-11s  %-15s  %5s  %s"

function M.lines(ctx)
	local lines = draw.lines()
	local cfg = config.get(ctx.port)
	draw.title(lines, "Sequence", string.format("Port %d, %d of %d slots sent in sequence mode (%s)", ctx.port,
		cfg.seq_cnt, config.NUM_SEQ, cfg.mode == "sequence" and "on" or "off"))
	lines:add("stats.port.status", string.format(HEAD, "Dst MAC", "Src MAC", "Dst IP", "Src IP", "Port S/D",
		"Type/Proto:VLAN", "Size", "TCP flags"))
	for i = 0, config.NUM_SEQ - 1 do
		local s = cfg.seq[i]
		local v6 = s.eth_type == "ipv6"
		local dst = args.ip_string((v6 and s.dst_ip6 or s.dst_ip).addr)
		local src_ip = v6 and s.src_ip6 or s.src_ip
		local src = args.ip_string(src_ip.addr) .. (src_ip.prefix and ("/" .. src_ip.prefix) or "")
		local flags = s.proto == "tcp" and require("proto.tcp").flags_string(s.tcp_flags or 0) or ""
		local item = i < cfg.seq_cnt and "stats.stat.values" or "stats.port.data"
		lines:add(item, string.format("  %s%2d  %-17s  %-17s  %-16s  %-19s  %-11s  %-15s  %5d  %s",
			i < cfg.seq_cnt and "*" or " ", i, args.mac_string(s.dst_mac), args.mac_string(s.src_mac), dst, src,
			string.format("%d/%d", s.sport, s.dport),
			string.format("%s/%s:%04x", string.upper(s.eth_type), string.upper(s.proto), s.vlanid), s.size, flags))
	end
	lines:blank()
	lines:add("stats.stat.label", "  * the slots sent in sequence mode (seq_cnt); pktgen.port(n) chooses the port")
	return lines
end

return M
