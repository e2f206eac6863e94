--- Pktgen's CLI command language for .pkt files and console lines, mapped onto the pktgen table.
-- run_line(line) runs one command; run_file(path) runs a file, errors naming file and line.
local M = {}

local function fail(fmt, ...)
	error(string.format(fmt, ...), 0)
end

--- Split a line into words; '...' and "..." group words (quotes removed).
function M.words(line)
	local words = {}
	local i, n = 1, #line
	while i <= n do
		local c = string.sub(line, i, i)
		if string.match(c, "%s") then
			i = i + 1
		elseif c == "'" or c == '"' then
			local j = string.find(line, c, i + 1, true)
			if not j then
				fail("unterminated quote")
			end
			words[#words + 1] = string.sub(line, i + 1, j - 1)
			i = j + 1
		else
			local j = string.find(line, "%s", i) or n + 1
			words[#words + 1] = string.sub(line, i, j - 1)
			i = j
		end
	end
	return words
end

local function need(w, n, usage)
	if #w < n then
		fail("usage: %s", usage)
	end
end

-- `set <pl> <key> <value>` numeric keys of the CLI and the pktgen.set key they mean.
local SET_NUMERIC = {
	count = "count", size = "size", rate = "rate", burst = "burst", txburst = "txburst",
	rxburst = "rxburst", tx_cycles = "cycles", cycles = "cycles", sport = "sport", dport = "dport",
	prime = "prime", dump = "dump", ttl = "ttl", seq_cnt = "seq_cnt", seqcnt = "seq_cnt",
	catch_up = "catch_up",
}

local function cmd_set(w)
	need(w, 4, "set <portlist> <key> <value>")
	local pl, key = w[2], string.lower(w[3])
	if SET_NUMERIC[key] then
		return pktgen.set(pl, SET_NUMERIC[key], w[4])
	elseif key == "vlan" or key == "vlanid" then
		return pktgen.vlanid(pl, w[4])
	elseif key == "src" or key == "dst" then
		need(w, 5, "set <portlist> src|dst mac|ip <address>")
		local what = string.lower(w[4])
		if what == "mac" then
			return pktgen.set_mac(pl, key, w[5])
		elseif what == "ip" then
			return pktgen.set_ipaddr(pl, key, w[5])
		end
		fail("set: expected 'mac' or 'ip' after '%s', got '%s'", key, w[4])
	elseif key == "proto" then
		return pktgen.set_proto(pl, w[4])
	elseif key == "type" then
		return pktgen.set_type(pl, w[4])
	elseif key == "tcp_flags" then
		return pktgen.set_tcp_flags(pl, table.concat(w, ",", 4))
	elseif key == "tos" then
		return pktgen.tos(pl, w[4])
	elseif key == "cos" then
		return pktgen.cos(pl, 0, w[4])
	elseif key == "pattern" then
		return pktgen.pattern(pl, w[4])
	elseif key == "user" and string.lower(w[4]) == "pattern" then
		return pktgen.userPattern(pl, table.concat(w, " ", 5))
	elseif key == "rnd" then
		need(w, 6, "set <portlist> rnd <idx> <offset> <mask>")
		return pktgen.rnd(pl, w[4], w[5], table.concat(w, "", 6))
	elseif key == "jitter" then
		return pktgen.jitter(pl, w[4])
	elseif key == "qinqids" then
		need(w, 5, "set <portlist> qinqids <outer> <inner>")
		return pktgen.range.qinqids(pl, w[4], w[5])
	elseif key == "mpls" and string.lower(w[4]) == "entry" then
		need(w, 5, "set <portlist> mpls entry <hex>")
		return pktgen.range.mpls_entry(pl, w[5])
	elseif key == "mpls_entry" then
		return pktgen.range.mpls_entry(pl, w[4])
	elseif key == "gre_key" or (key == "gre" and string.lower(w[4]) == "key") then
		return pktgen.range.gre_key(pl, key == "gre" and (w[5] or fail("usage: set <portlist> gre key <n>")) or w[4])
	elseif key == "vxlan" then
		need(w, 6, "set <portlist> vxlan <flags> <group id> <vni>")
		return pktgen.vxlan_id(pl, w[4], w[5], w[6])
	elseif key == "teid" or key == "gtpu_teid" then
		return pktgen.gtpu_teid(pl, "start", w[4])
	end
	fail("set: unknown key '%s'", w[3])
end

-- `enable|disable <pl> <feature>`: the pktgen function each feature word calls with on/off.
local FEATURES = {
	vlan = "vlan", qinq = "qinq", mpls = "mpls", gre = "gre", gre_eth = "gre_eth", vxlan = "vxlan",
	rnd_s_ip = "rnd_s_ip", rnd_s_pt = "rnd_s_pt", range = "set_range", process = "process",
	latency = "latency", lat = "latency", pcap = "pcap", blink = "blink", icmp = "icmp_echo",
	capture = "capture", bonding = "bonding", pcap_timing = "pcap_timing", rxtap = "rxtap", txtap = "txtap",
}

--- `enable|disable <pl> random`: the random-bitfield flag alone (Pktgen's enable_random; on
-- forces single-packet mode, as pktgen.rnd does).
local function random_flag(pl, on)
	require("pktgen.internal.perport").setter("random", pl, function(_, cfg)
		cfg.random = on
		if on then
			cfg.mode = "single"
		end
	end)
end

local function cmd_enable(w, on)
	local verb = on and "enable" or "disable"
	local onoff = on and "on" or "off"
	if string.lower(w[2] or "") == "mac_from_arp" then
		-- global: `enable|disable mac_from_arp`
		return pktgen.mac_from_arp(onoff)
	end
	need(w, 3, verb .. " <portlist> <feature>")
	local pl, what = w[2], string.lower(w[3])
	if what == "random" then
		return random_flag(pl, on)
	elseif what == "rate" then
		fail("%s: feature 'rate' (rate-limited sending) is not supported yet by this pktgen", verb)
	end
	local fn = FEATURES[what]
	if not fn then
		fail("%s: unknown feature '%s'", verb, w[3])
	elseif not pktgen[fn] then
		fail("%s: feature '%s' is not available in this pktgen (no %s support)", verb, what, what)
	end
	return pktgen[fn](pl, onoff)
end

-- `range <pl> <field...> start|min|max|inc <value>`.
local RANGE_FIELDS = {
	["dst mac"] = "dst_mac", ["src mac"] = "src_mac", ["dst ip"] = "dst_ip", ["src ip"] = "src_ip",
	["dst port"] = "dst_port", ["src port"] = "src_port", ttl = "ttl", hop_limits = "hop_limits",
	vlan = "vlan_id", vlanid = "vlan_id", size = "pkt_size", cos = "cos", tos = "tos",
	traffic_class = "traffic_class",
}

local WHATS = { "start", "min", "max", "inc" }

local function cmd_range(w)
	local usage = "range <portlist> <field> start|min|max|inc <value>"
	need(w, 4, usage)
	local pl = w[2]
	local f3, f4 = string.lower(w[3]), string.lower(w[4])
	if f3 == "proto" then
		return pktgen.range.ip_proto(pl, w[4])
	elseif f3 == "type" then
		return pktgen.range.set_type(pl, w[4])
	elseif f3 == "mpls" and f4 == "entry" then
		need(w, 5, "range <portlist> mpls entry <hex>")
		return pktgen.range.mpls_entry(pl, w[5])
	elseif f3 == "qinq" and f4 == "index" then
		need(w, 6, "range <portlist> qinq index <outer> <inner>")
		return pktgen.range.qinqids(pl, w[5], w[6])
	elseif f3 == "gre" and f4 == "key" then
		need(w, 5, "range <portlist> gre key <n>")
		return pktgen.range.gre_key(pl, w[5])
	end
	local set
	if f3 == "teid" then
		set = function(what, v) return pktgen.gtpu_teid(pl, what, v) end
	end
	local name, rest = RANGE_FIELDS[f3], 4
	if not set and not name then
		name, rest = RANGE_FIELDS[f3 .. " " .. f4], 5
		if not name then
			fail("range: unknown field '%s'", w[3])
		end
	end
	set = set or function(what, v) return pktgen.range[name](pl, what, v) end
	need(w, rest + 1, usage)
	if #w >= rest + 3 then
		-- The four-value form: start min max inc.
		for i, what in ipairs(WHATS) do
			set(what, w[rest + i - 1] or fail("usage: range <portlist> <field> <start> <min> <max> <inc>"))
		end
		return
	end
	return set(w[rest], w[rest + 1])
end

local COMMANDS = {}

COMMANDS.set = cmd_set
COMMANDS.enable = function(w) return cmd_enable(w, true) end
COMMANDS.disable = function(w) return cmd_enable(w, false) end
COMMANDS.range = cmd_range

function COMMANDS.start(w)
	need(w, 2, "start <portlist>")
	return pktgen.start(w[2])
end

function COMMANDS.stop(w)
	need(w, 2, "stop <portlist>")
	return pktgen.stop(w[2])
end

function COMMANDS.str()
	return pktgen.start("all")
end

function COMMANDS.stp()
	return pktgen.stop("all")
end

function COMMANDS.prime(w)
	need(w, 2, "prime <portlist>")
	return pktgen.prime(w[2])
end

function COMMANDS.clear(w)
	need(w, 2, "clear <portlist> [stats]")
	return pktgen.clear(w[2])
end

function COMMANDS.clr()
	return pktgen.clr()
end

function COMMANDS.reset(w)
	need(w, 2, "reset <portlist>")
	return pktgen.reset(w[2])
end

function COMMANDS.delay(w)
	need(w, 2, "delay <milliseconds>")
	return pktgen.delay(w[2])
end

function COMMANDS.sleep(w)
	need(w, 2, "sleep <seconds>")
	return pktgen.sleep(w[2])
end

function COMMANDS.seq(w)
	need(w, 13, "seq <n> <portlist> <dmac> <smac> <dip> <sip/nm> <sport> <dport> ipv4|ipv6 udp|tcp|icmp <vlan> <size> [teid]")
	return pktgen.seq(table.unpack(w, 2, math.min(#w, 14)))
end

function COMMANDS.script(w)
	need(w, 2, "script <file.lua>")
	local chunk, err = loadfile(w[2])
	if not chunk then
		fail("script: %s", err)
	end
	return chunk()
end

function COMMANDS.save(w)
	need(w, 2, "save <file>")
	return pktgen.save(w[2])
end

-- Pktgen 23.x's own commands for the mirrors: `rxtap|txtap <portlist> <state>`.
for _, name in ipairs { "rxtap", "txtap" } do
	COMMANDS[name] = function(w)
		need(w, 3, name .. " <portlist> on|off")
		return pktgen[name](w[2], w[3])
	end
end

function COMMANDS.latency(w)
	need(w, 4, "latency <portlist> rate|entropy <n>")
	return pktgen.latency(w[2], w[3], w[4])
end

function COMMANDS.ping4(w)
	need(w, 2, "ping4 <portlist>")
	return pktgen.ping4(w[2])
end

function COMMANDS.rnd(w)
	need(w, 5, "rnd <portlist> <idx> <offset> <mask>")
	return pktgen.rnd(w[2], w[3], w[4], table.concat(w, "", 5))
end

function COMMANDS.load(w)
	need(w, 2, "load <file>")
	return pktgen.load(w[2])
end

--- `page <name>` shows that page, and turns the screen on (at a console on a terminal).
function COMMANDS.page(w)
	local screen = require "pktgen.console.screen"
	local name = w[2] or "main"
	if not screen.lookup(name) then
		fail("page: unknown page '%s' (%s, or a number)", name, table.concat(screen.PAGES, ", "))
	end
	pktgen.page(name)
	return pktgen.screen("on")
end

function COMMANDS.screen(w)
	need(w, 2, "screen on|off")
	return pktgen.screen(w[2])
end

function COMMANDS.cls()
	return pktgen.cls()
end

COMMANDS.redisplay = COMMANDS.cls

function COMMANDS.update()
	return pktgen.update()
end

function COMMANDS.ppp(w)
	need(w, 2, "ppp <1-6>")
	return pktgen.ports_per_page(w[2])
end

function COMMANDS.port(w)
	need(w, 2, "port <number>")
	return pktgen.port(w[2])
end

--- `theme on|off`, `theme show`, `theme save <file>`, `theme <item> <fg> <bg> <attr>`.
function COMMANDS.theme(w)
	local theme = require "pktgen.console.theme"
	local usage = "theme on|off | show | save <file> | <item> <fg color> <bg color> <attribute>"
	need(w, 2, usage)
	local what = string.lower(w[2])
	if what == "on" or what == "off" then
		theme.set_state(what == "on")
	elseif what == "show" then
		io.write(theme.show())
		io.flush()
		return
	elseif what == "save" then
		need(w, 3, "theme save <file>")
		return theme.save(w[3])
	else
		need(w, 5, usage)
		theme.set(w[2], w[3], w[4], w[5])
	end
	return pktgen.update()
end

function COMMANDS.help()
	io.write(pktgen.help())
	io.flush()
end

function COMMANDS.quit()
	return pktgen.quit()
end

--- Run one CLI line. Blank lines and comments (#, --, //) do nothing.
function M.run_line(line)
	local text = string.match(line or "", "^%s*(.-)%s*$")
	if text == "" or string.match(text, "^#") or string.match(text, "^%-%-") or string.match(text, "^//") then
		return
	end
	local verb, rest = string.match(text, "^(%S+)%s*(.*)$")
	verb = string.lower(verb)
	if verb == "lua" then
		-- Pktgen joins the rest of the line; one pair of surrounding quotes is removed.
		local code = string.match(rest, "^'(.*)'$") or string.match(rest, '^"(.*)"$') or rest
		local chunk, err = load(code, "=lua")
		if not chunk then
			fail("lua: %s", err)
		end
		return chunk()
	end
	local fn = COMMANDS[verb]
	if not fn then
		fail("unknown command '%s' in line '%s'", verb, text)
	end
	local ok, err = pcall(fn, M.words(text))
	if not ok then
		fail("%s (in line '%s')", tostring(err), text)
	end
end

--- Run every line of a .pkt command file; the first error stops it, naming file and line.
function M.run_file(path)
	local f, err = io.open(path, "r")
	if not f then
		fail("cannot open command file: %s", err)
	end
	local lines = {}
	for line in f:lines() do
		lines[#lines + 1] = line
	end
	f:close()
	for i, line in ipairs(lines) do
		local ok, e = pcall(M.run_line, line)
		if not ok then
			fail("%s:%d: %s", path, i, tostring(e))
		end
	end
end

return M
