--- Pktgen CLI command files (.pkt) through pktgen.load and console lines through run_line.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local cli = require "pktgen.console.cli"

local eq = require("testing").eq

pktgen.reset("all")
local path = os.tmpname() .. ".pkt"
local f = assert(io.open(path, "w"))
f:write([[
# a Pktgen command file
set 0 size 256
set all rate 25
set 0 count 10
set 0 src ip 10.1.1.1/16
set 0 dst ip 10.1.1.2
set 0 dst mac 00:01:02:03:04:05
set 0 proto udp
set 0 sport 4000
set 0 vlan 77
enable 0 vlan

range 0 dst port start 100
range 0 dst port inc 1
range 0 size max 512
lua 'cli_test_value = 40 + 2'
delay 10
]])
f:close()
pktgen.load(path)
os.remove(path)

local info = pktgen.portInfo(0)[0].info
eq("size", info.pkt_size, 256)
eq("rate", info.tx_rate, 25)
eq("port 1 rate", pktgen.portInfo(1)[1].info.tx_rate, 25)
eq("count", info.tx_count, 10)
eq("src ip", info.l2_l3_info.src_ip, "10.1.1.1/16")
eq("dst ip", info.l2_l3_info.dst_ip, "10.1.1.2")
eq("dst mac", info.l2_l3_info.dst_mac, "00:01:02:03:04:05")
eq("proto", info.proto_type, "UDP")
eq("sport", info.l2_l3_info.src_port, 4000)
eq("vlanid", info.vlanid, 77)
eq("lua command", cli_test_value, 42) -- luacheck: globals cli_test_value (set by the CLI file's lua line)
local r = require("pktgen.internal.config").get(0).range
eq("range dst port start", r.dst_port.start, 100)
eq("range size max", r.pkt_size.max, 512)

-- console lines
cli.run_line("set 1 size 128")
eq("run_line", pktgen.portInfo(1)[1].info.pkt_size, 128)
cli.run_line("   ")
cli.run_line("# comment")

-- an error names the file and the line
path = os.tmpname() .. ".pkt"
f = assert(io.open(path, "w"))
f:write("set 0 size 64\nset 0 colour blue\n")
f:close()
local ok, err = pcall(cli.run_file, path)
os.remove(path)
assert(not ok, "bad command file did not fail")
assert(string.find(err, path .. ":2:", 1, true), "error does not name the line: " .. err)
assert(string.find(err, "colour", 1, true), "error does not name the key: " .. err)

pktgen.reset("all")
printf("cli: ok\n")
