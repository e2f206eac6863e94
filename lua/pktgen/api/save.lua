--- pktgen.save(path): the current configuration of every port as a script that `load` (or
-- `-f`) runs to restore exactly that configuration: a .lua file of pktgen calls, or for any
-- other extension a .pkt file of CLI commands (lua '<code>' where the CLI has no grammar).
local args = require "pktgen.internal.args"
local config = require "pktgen.internal.config"
local portlist = require "pktgen.internal.portlist"
local settings = require "pktgen.internal.settings"
local files = require "pktgen.console.scripts"
local tcp = require "proto.tcp"

local M = {}

--- A Lua literal for a string or number (floats keep a decimal point, at full precision).
local function lit(v)
	if type(v) == "string" then
		return string.format("%q", v)
	elseif math.type(v) == "float" then
		local s = string.format("%.17g", v)
		if not string.find(s, "[%.eni]") then
			s = s .. ".0"
		end
		return s
	end
	return tostring(v)
end

--- A CLI word: quoted when it has spaces or is empty.
local function word(v)
	local s = type(v) == "number" and lit(v) or tostring(v)
	if s == "" or string.find(s, "%s") then
		return "'" .. s .. "'"
	end
	return s
end

--- An operation: its Lua form (a call of `fn` with literal arguments) and its CLI lines
-- (nil: the CLI has no grammar for it, so the .pkt file runs the Lua form with `lua '...'`).
local function op(ops, cli, fn, ...)
	local a = {}
	for i = 1, select("#", ...) do
		local v = select(i, ...)
		if type(v) == "table" then
			local keys = {}
			for k in pairs(v) do
				keys[#keys + 1] = k
			end
			table.sort(keys)
			local f = {}
			for _, k in ipairs(keys) do
				f[#f + 1] = k .. " = " .. lit(v[k])
			end
			a[i] = "{ " .. table.concat(f, ", ") .. " }"
		else
			a[i] = lit(v)
		end
	end
	local code = fn .. "(" .. table.concat(a, ", ") .. ")"
	if type(cli) == "string" then
		cli = { cli }
	end
	ops[#ops + 1] = { lua = code, cli = cli }
end

local function cliw(...)
	local w = {}
	for i = 1, select("#", ...) do
		w[i] = word((select(i, ...)))
	end
	return table.concat(w, " ")
end

local function ip4(n)
	return args.ip_string(string.pack(">I4", n))
end

local function mac(n)
	return args.mac_string(string.pack(">I6", n))
end

local function same(a, b)
	local dump = require "pktgen.internal.configdump"
	return dump.value_of(a) == dump.value_of(b)
end

local function v4src(ip)
	return args.ip_string(ip.addr) .. "/" .. (ip.prefix or 32)
end

local function v6src(ip)
	return args.ip_string(ip.addr) .. "/" .. (ip.prefix or 128)
end

local WHATS = { "start", "min", "max", "inc" }

--- The single-packet template and the port settings.
local function single(ops, p, cfg, def)
	for _, k in ipairs { { "count", "count" }, { "rate", "rate" }, { "burst", "tx_burst" },
		{ "rxburst", "rx_burst" }, { "cycles", "cycles" }, { "prime", "prime" }, { "dump", "dump" } } do
		local clik = k[1] == "cycles" and "tx_cycles" or k[1]
		-- Rate "max" (unpaced) is saved as such; cycles after it, as setting a rate clears them.
		local v = (k[1] == "rate" and cfg.unpaced) and "max" or cfg[k[2]]
		op(ops, cliw("set", p, clik, v), "pktgen.set", p, k[1], v)
	end
	if cfg.catch_up and cfg.catch_up ~= "smooth" then
		op(ops, cliw("set", p, "catch_up", cfg.catch_up), "pktgen.set", p, "catch_up", cfg.catch_up)
	end
	local pkt, dpkt = cfg.pkt, def.pkt
	-- IPv6 addresses first: setting an address of the other family switches the packet type,
	-- and set_type below settles it.
	if not same(pkt.src_ip6, dpkt.src_ip6) then
		op(ops, cliw("set", p, "src", "ip", v6src(pkt.src_ip6)), "pktgen.set_ipaddr", p, "src", v6src(pkt.src_ip6))
	end
	if not same(pkt.dst_ip6, dpkt.dst_ip6) then
		local t = args.ip_string(pkt.dst_ip6.addr)
		op(ops, cliw("set", p, "dst", "ip", t), "pktgen.set_ipaddr", p, "dst", t)
	end
	op(ops, cliw("set", p, "src", "ip", v4src(pkt.src_ip)), "pktgen.set_ipaddr", p, "src", v4src(pkt.src_ip))
	local dst = args.ip_string(pkt.dst_ip.addr)
	op(ops, cliw("set", p, "dst", "ip", dst), "pktgen.set_ipaddr", p, "dst", dst)
	-- set_proto("icmp") forces IPv4, so the protocol goes before the type.
	op(ops, cliw("set", p, "proto", pkt.proto), "pktgen.set_proto", p, pkt.proto)
	op(ops, cliw("set", p, "type", pkt.eth_type), "pktgen.set_type", p, pkt.eth_type)
	op(ops, cliw("set", p, "size", pkt.size), "pktgen.set", p, "size", pkt.size)
	for _, w in ipairs { "src", "dst" } do
		local m = args.mac_string(pkt[w .. "_mac"])
		op(ops, cliw("set", p, w, "mac", m), "pktgen.set_mac", p, w, m)
	end
	for _, k in ipairs { "sport", "dport", "ttl" } do
		op(ops, cliw("set", p, k, pkt[k]), "pktgen.set", p, k, pkt[k])
	end
	op(ops, cliw("set", p, "tos", pkt.tos), "pktgen.tos", p, pkt.tos)
	op(ops, cliw("set", p, "cos", pkt.cos), "pktgen.cos", p, 0, pkt.cos)
	op(ops, cliw("set", p, "vlanid", pkt.vlanid), "pktgen.vlanid", p, pkt.vlanid)
	local flags = tcp.flags_string(pkt.tcp_flags)
	flags = flags == "" and "clr" or flags
	op(ops, cliw("set", p, "tcp_flags", flags), "pktgen.set_tcp_flags", p, flags)
	if pkt.user_pattern ~= "" then
		op(ops, cliw("set", p, "user", "pattern", pkt.user_pattern), "pktgen.userPattern", p, pkt.user_pattern)
	end
	op(ops, cliw("set", p, "pattern", pkt.pattern), "pktgen.pattern", p, pkt.pattern)
	op(ops, cliw("range", p, "qinq", "index", pkt.qinq_outer, pkt.qinq_inner), "pktgen.range.qinqids", p,
		pkt.qinq_outer, pkt.qinq_inner)
	local e = string.format("%x", pkt.mpls_entry)
	op(ops, cliw("range", p, "mpls", "entry", e), "pktgen.range.mpls_entry", p, e)
	op(ops, cliw("range", p, "gre", "key", pkt.gre_key), "pktgen.range.gre_key", p, pkt.gre_key)
	op(ops, cliw("set", p, "vxlan", pkt.vxlan_flags, pkt.vxlan_group, pkt.vxlan_vni), "pktgen.vxlan_id", p,
		pkt.vxlan_flags, pkt.vxlan_group, pkt.vxlan_vni)
	local teid = cfg.range.gtpu_teid
	for _, w in ipairs(WHATS) do
		-- An increment of 0 is ignored by gtpu_teid; the default after reset is already 0.
		if w ~= "inc" or teid.inc ~= 0 then
			op(ops, cliw("range", p, "teid", w, teid[w]), "pktgen.gtpu_teid", p, w, teid[w])
		end
	end
	for _, k in ipairs { "rnd_s_ip", "rnd_s_pt" } do
		if cfg[k] then
			op(ops, cliw("enable", p, k), "pktgen." .. k, p, "on")
		end
	end
	for _, k in ipairs(settings.ENCAPS) do
		if pkt[k] then
			op(ops, cliw("enable", p, k), "pktgen." .. k, p, "on")
		end
	end
	-- The responders (process: ARP, icmp: echo) for the source address set above.
	for _, k in ipairs { { "process", "process" }, { "icmp", "icmp_echo" } } do
		if cfg[k[2]] then
			op(ops, cliw("enable", p, k[1]), "pktgen." .. k[2], p, "on")
		end
	end
	-- Latency settings exist once a latency call made them (pktgen.latency). They come after
	-- the encapsulations, which turn latency off, and turning latency on clears nothing.
	local l = cfg.latency
	if l then
		op(ops, cliw("latency", p, "rate", l.rate_us), "pktgen.latency", p, "rate", l.rate_us)
		op(ops, cliw("latency", p, "entropy", l.entropy), "pktgen.latency", p, "entropy", l.entropy)
		op(ops, cliw("set", p, "jitter", l.jitter_us), "pktgen.jitter", p, l.jitter_us)
		local onoff = l.on and "on" or "off"
		op(ops, cliw(l.on and "enable" or "disable", p, "latency"), "pktgen.latency", p, onoff)
	end
end

--- The 16 sequence slots (only those changed from the defaults).
local function sequence(ops, p, cfg, def)
	for i = 0, config.NUM_SEQ - 1 do
		local s = cfg.seq[i]
		if not same(s, def.seq[i]) then
			local d = def.seq[i]
			local v6 = s.eth_type == "ipv6"
			local flags = tcp.flags_string(s.tcp_flags)
			flags = flags == "" and "clr" or flags
			local t = { eth_dst_addr = args.mac_string(s.dst_mac), eth_src_addr = args.mac_string(s.src_mac),
				sport = s.sport, dport = s.dport, vlanid = s.vlanid, pktSize = s.size, cos = s.cos, tos = s.tos,
				gtpu_teid = s.gtpu_teid, ethType = s.eth_type, ipProto = s.proto, tcp_flags = flags }
			-- A slot keeps addresses of both families; the one it does not use is set first.
			local other = v6 and { s.dst_ip, s.src_ip, d.dst_ip, d.src_ip, "ipv4", v4src }
				or { s.dst_ip6, s.src_ip6, d.dst_ip6, d.src_ip6, "ipv6", v6src }
			if not same(other[1], other[3]) or not same(other[2], other[4]) then
				local o = {}
				for k, v in pairs(t) do o[k] = v end
				o.ethType, o.ipProto = other[5], "udp"
				o.ip_dst_addr, o.ip_src_addr = args.ip_string(other[1].addr), other[6](other[2])
				op(ops, nil, "pktgen.seqTable", i, p, o)
			end
			t.ip_dst_addr = args.ip_string((v6 and s.dst_ip6 or s.dst_ip).addr)
			t.ip_src_addr = v6 and v6src(s.src_ip6) or v4src(s.src_ip)
			-- The CLI's seq line has no cos, tos or TCP flags.
			local cli
			if s.cos == 0 and s.tos == 0 then
				cli = { cliw("seq", i, p, t.eth_dst_addr, t.eth_src_addr, t.ip_dst_addr, t.ip_src_addr, s.sport,
					s.dport, s.eth_type, s.proto, s.vlanid, s.size, s.gtpu_teid),
					"lua " .. string.format("'pktgen.seq_tcp_flags(%d, %d, %q)'", i, p, flags) }
			end
			op(ops, cli, "pktgen.seqTable", i, p, t)
		end
	end
end

-- Range fields set with (pl, what, integer).
local RANGE_INTS = { "src_port", "dst_port", "ttl", "hop_limits", "vlan_id", "cos", "tos", "traffic_class" }
local RANGE_CLI = { src_port = "src port", dst_port = "dst port", vlan_id = "vlan", pkt_size = "size",
	src_ip = "src ip", dst_ip = "dst ip", src_mac = "src mac", dst_mac = "dst mac" }

local function range_op(ops, p, name, w, text)
	op(ops, "range " .. p .. " " .. (RANGE_CLI[name] or name) .. " " .. w .. " " .. word(text),
		"pktgen.range." .. name, p, w, text)
end

local function range(ops, p, cfg, def)
	local r, d = cfg.range, def.range
	for _, name in ipairs { "dst_mac", "src_mac" } do
		for _, w in ipairs(WHATS) do
			if r[name][w] ~= d[name][w] then
				range_op(ops, p, name, w, mac(r[name][w]))
			end
		end
	end
	-- Range IP setters store by the range type, so each family is set under its own type.
	for _, fam in ipairs { { "ipv6", "6" }, { "ipv4", "" } } do
		local changed = {}
		for _, name in ipairs { "src_ip", "dst_ip" } do
			for _, w in ipairs(WHATS) do
				if not same(r[name .. fam[2]][w], d[name .. fam[2]][w]) then
					changed[#changed + 1] = { name, w, r[name .. fam[2]][w] }
				end
			end
		end
		if #changed > 0 then
			op(ops, cliw("range", p, "type", fam[1]), "pktgen.range.set_type", p, fam[1])
			for _, c in ipairs(changed) do
				range_op(ops, p, c[1], c[2], fam[1] == "ipv6" and args.ip_string(c[3]) or ip4(c[3]))
			end
		end
	end
	-- ip_proto("icmp") forces IPv4: protocol, then type, then the sizes the type clamps.
	op(ops, cliw("range", p, "proto", r.proto), "pktgen.range.ip_proto", p, r.proto)
	op(ops, cliw("range", p, "type", r.eth_type), "pktgen.range.set_type", p, r.eth_type)
	for _, w in ipairs(WHATS) do
		range_op(ops, p, "pkt_size", w, r.pkt_size[w])
	end
	for _, name in ipairs(RANGE_INTS) do
		for _, w in ipairs(WHATS) do
			if r[name][w] ~= d[name][w] then
				range_op(ops, p, name, w, r[name][w])
			end
		end
	end
end

--- Random bitfields, then the send mode and the random flag, which the calls above change as
-- side effects (rnd forces single mode, set_range clears random, an encapsulation clears random).
local function modes(ops, p, cfg)
	for idx = 0, 31 do
		local e = cfg.rnd[idx]
		if e then
			local mask = e.mask == "" and "off" or e.mask
			op(ops, cliw("set", p, "rnd", idx, e.offset, mask), "pktgen.rnd", p, idx, e.offset, mask)
		end
	end
	local function random(on)
		local line = (on and "enable " or "disable ") .. p .. " random"
		-- Pktgen's Lua API has no call for the random flag alone; the CLI command has it.
		op(ops, line, 'require("pktgen.console.cli").run_line', line)
	end
	op(ops, cliw("set", p, "seq_cnt", cfg.seq_cnt), "pktgen.set", p, "seq_cnt", cfg.seq_cnt)
	if cfg.mode == "range" then
		op(ops, cliw("enable", p, "range"), "pktgen.set_range", p, "on")
	elseif cfg.mode == "sequence" then
		-- enable random forces single mode, and seq_cnt > 0 then switches to sequence
		random(cfg.random)
		op(ops, cliw("set", p, "seq_cnt", cfg.seq_cnt), "pktgen.set", p, "seq_cnt", cfg.seq_cnt)
	elseif cfg.random then
		random(true)
	elseif cfg.seq_cnt > 0 then
		-- single mode with slots in use: leave sequence mode through range mode, which also
		-- clears the random flag
		op(ops, cliw("enable", p, "range"), "pktgen.set_range", p, "on")
		op(ops, cliw("disable", p, "range"), "pktgen.set_range", p, "off")
	elseif require("pktgen.internal.bitfields").any_active(cfg) then
		random(false) -- the rnd calls above turned it on; an encapsulation had cleared it
	end
	-- pcap replay of the -s file: the last mode switch, so nothing above cancels it.
	if cfg.pcap_timing then
		op(ops, cliw("enable", p, "pcap_timing"), "pktgen.pcap_timing", p, "on")
	end
	if cfg.mode == "pcap" then
		op(ops, cliw("enable", p, "pcap"), "pktgen.pcap", p, "on")
	end
end

--- The operations that restore port p from its defaults.
function M.ops(p)
	local cfg, def = config.get(p), config.defaults(p)
	local ops = {}
	op(ops, cliw("reset", p), "pktgen.reset", p)
	single(ops, p, cfg, def)
	sequence(ops, p, cfg, def)
	range(ops, p, cfg, def)
	modes(ops, p, cfg)
	-- The TAP mirrors that are on (reset leaves them as they are).
	for _, dir in ipairs { "rx", "tx" } do
		if require("pktgen.api.tap").on(p, dir) then
			op(ops, cliw("enable", p, dir .. "tap"), "pktgen." .. dir .. "tap", p, "on")
		end
	end
	return ops
end

--- The script text for every port; lua selects the .lua form.
function M.script(lua)
	local version = (pktgen and pktgen.info and pktgen.info.Pktgen_Version) or "pktgen"
	local c = lua and "-- " or "# "
	local out = { c .. "Configuration saved by " .. version .. " on " .. os.date("%Y-%m-%d %H:%M:%S"),
		c .. "Run it with -f, load or run(\"cmd\", ...) to restore every port." }
	for _, p in ipairs(portlist.all()) do
		out[#out + 1] = ""
		out[#out + 1] = c .. "Port " .. p
		for _, o in ipairs(M.ops(p)) do
			if lua then
				out[#out + 1] = o.lua
			elseif o.cli then
				for _, l in ipairs(o.cli) do
					out[#out + 1] = l
				end
			else
				if string.find(o.lua, "'", 1, true) then
					error("cannot write a CLI line for " .. o.lua, 0)
				end
				out[#out + 1] = "lua '" .. o.lua .. "'"
			end
		end
	end
	-- mac_from_arp is global, and every port's reset above turns it off: it comes last.
	if require("pktgen.internal.responder").mac_from_arp() then
		out[#out + 1] = ""
		out[#out + 1] = lua and 'pktgen.mac_from_arp("on")' or "enable mac_from_arp"
	end
	return table.concat(out, "\n") .. "\n"
end

function M.install(pktgen)
	function pktgen.save(...)
		args.arity("save", select("#", ...), 1)
		local path = ...
		if type(path) ~= "string" then
			error("save: path must be a string", 0)
		end
		local ok, text = pcall(M.script, files.is_lua(path))
		local f, err
		if ok then
			f, err = io.open(path, "w")
		else
			err = text
		end
		if not f then
			error(string.format("save command failed for %s: %s", path, tostring(err)), 0)
		end
		f:write(text)
		f:close()
	end
end

return M
