--- The range page: each shown port's range settings (start, min, max, inc of every field the
-- range walks), side by side, as Pktgen's range page lists them.
local config = require "pktgen.internal.config"
local args = require "pktgen.internal.args"
local draw = require "pktgen.console.draw"

local M = {}

local function ip4(v)
	return args.ip_string(string.pack(">I4", v))
end

local function mac(v)
	return args.mac_string(string.pack(">I6", v))
end

local function four(f)
	return string.format("%d/%d/%d/%d", f.start, f.min, f.max, f.inc)
end

function M.lines(ctx)
	local lines = draw.lines()
	draw.title(lines, "Range", draw.ports_text(ctx.ports))
	local ranges = {}
	for i, p in ipairs(ctx.ports) do
		ranges[i] = config.get(p)
	end
	local function row(label, item, fn)
		local v = {}
		for i, cfg in ipairs(ranges) do
			v[i] = fn(cfg.range, cfg)
		end
		lines:row("stats.stat.label", label, item, v)
	end
	row("Port #", "stats.port.flags", function(_, cfg)
		return string.format("%d:%s", cfg.pid, cfg.mode == "range" and "Range on" or "Range off")
	end)
	row("IP.proto", "stats.stat.values", function(r)
		return string.format("%s/%s", string.upper(r.eth_type), string.upper(r.proto))
	end)
	for _, f in ipairs { { "dst.ip", "dst_ip", "dst_ip6" }, { "src.ip", "src_ip", "src_ip6" } } do
		for _, what in ipairs { "start", "min", "max", "inc" } do
			row(what == "start" and f[1] or ("    " .. what), "stats.ip", function(r)
				if r.eth_type == "ipv6" then
					return args.ip_string(r[f[3]][what])
				end
				return ip4(r[f[2]][what])
			end)
		end
	end
	local heads = {}
	for i = 1, #ranges do
		heads[i] = "start/min/max/inc"
	end
	lines:row("stats.stat.label", "", "stats.port.status", heads)
	for _, f in ipairs { { "dst.port", "dst_port" }, { "src.port", "src_port" }, { "ttl", "ttl" },
		{ "vlan.id", "vlan_id" }, { "cos", "cos" }, { "tos", "tos" }, { "pkt.size", "pkt_size" },
		{ "gtpu.teid", "gtpu_teid" } } do
		row(f[1], "stats.stat.values", function(r) return four(r[f[2]]) end)
	end
	lines:row("stats.stat.label", "", "stats.stat.values", {})
	for _, f in ipairs { { "dst.mac", "dst_mac" }, { "src.mac", "src_mac" } } do
		for _, what in ipairs { "start", "min", "max", "inc" } do
			row(what == "start" and f[1] or ("    " .. what), "stats.mac", function(r) return mac(r[f[2]][what]) end)
		end
	end
	return lines
end

return M
