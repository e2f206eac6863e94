--- Pktgen's helper globals (docs/LUA_API.md, section 15) for scripts that `require "Pktgen"`:
-- string/table shortcuts, printf, prints and serialize (same output format), sleep, msg, ...
local M = {}

gsub = string.gsub
gmatch = string.gmatch
strrep = string.rep
strsub = string.sub
strfmt = string.format
strmatch = string.match
strfind = string.find
strlen = string.len
tolower = string.lower
unlink = os.remove
system = os.execute
tinsert = table.insert
tgetn = nil -- table.getn is gone since Lua 5.1; Pktgen's tgetn is nil too
tconcat = table.concat

--- printf(fmt, ...): io.write of string.format, then flush.
function printf(...)
	io.write(string.format(...))
	io.flush()
end

local function value_text(v)
	local t = type(v)
	if t == "string" then
		return string.format("%q", v)
	elseif t == "function" then
		return "()"
	elseif t == "nil" then
		return "nil"
	end
	return tostring(v)
end

-- One entry per line: "<indent>[<key>] = <value>,"; nested tables open with "[key] = {" and close
-- with "},"; the top level opens "name = {" and closes "}". A table seen before prints its path.
local function dump(name, key, v, seen, depth, out)
	local pad = string.rep(" ", depth)
	if type(v) ~= "table" then
		out[#out + 1] = string.format("%s[%s] = %s,\n", pad, value_text(key), value_text(v))
		return
	end
	if seen[v] then
		out[#out + 1] = string.format("%s[%s] = %s,\n", pad, value_text(key), seen[v])
		return
	end
	seen[v] = name
	if depth == 0 then
		out[#out + 1] = string.format("%s = {\n", tostring(name))
	else
		out[#out + 1] = string.format("%s[%s] = {\n", pad, value_text(key))
	end
	for k, vv in pairs(v) do
		dump(string.format("%s[%s]", tostring(name), value_text(k)), k, vv, seen, depth + 2, out)
	end
	out[#out + 1] = depth == 0 and "}\n" or (pad .. "},\n")
end

--- serialize(name, tbl): the text prints writes; no arguments dumps _G as "Globals".
function serialize(k, t)
	if k == nil then
		k, t = "Globals", _G
	end
	if t == nil then
		t = _G
	end
	local out = {}
	dump(k, k, t, {}, 0, out)
	return table.concat(out)
end

--- prints(name, tbl): io.write of serialize, then flush.
function prints(k, t)
	io.write(serialize(k, t))
	io.flush()
end

--- sleep(seconds) via pktgen.delay.
function sleep(t)
	pktgen.delay(t * 1000)
end

function trim(s)
	return (string.gsub(s, "^%s*(.-)%s*$", "%1"))
end

function str2tbl(s)
	local t = {}
	for line in string.gmatch(s or "", "(.-)\n") do
		t[#t + 1] = line
	end
	return t
end

function d2u(s)
	return (string.gsub(s or "", "\\", "/"))
end

function u2d(s)
	return (string.gsub(s or "", "/", "\\"))
end

function basename(filename)
	filename = d2u(filename)
	local dir, file = string.match(filename, "^(.*)/(.*)$")
	if not dir then
		return filename, ""
	end
	return file, dir
end

function syscmd(cmd, fn)
	local p = io.popen(cmd)
	local data = p and p:read("a") or nil
	if p then
		p:close()
	end
	if fn then
		return fn(data)
	end
	return data
end

function getPwd()
	return (string.gsub(syscmd("pwd") or "", "\n$", ""))
end

--- Number of entries of a table (Pktgen's getn fails on 5.3+; this one works).
function getn(t)
	local i = 0
	if type(t) == "table" then
		for _ in pairs(t) do
			i = i + 1
		end
	end
	return i
end

--- Evaluate a Lua condition string; 1 or 0 (Pktgen's uses the removed loadstring).
function isTrue(f)
	if f == nil then
		return 0
	end
	local chunk = assert(load("if ( " .. f .. " ) then return 1 else return 0 end"))
	return chunk()
end

function msg(m, ...)
	if m ~= nil then
		io.write("++ " .. string.format(m, ...))
		io.flush()
	end
end

function errmsg(m, ...)
	if m ~= nil then
		printf("** %s", string.format(m, ...))
	end
	os.exit(1)
end

function cPrintf(m, ...)
	printf("/* ")
	io.write(string.format(m, ...))
	printf(" */\n")
end

function comment(m)
	printf("/* %s */\n", m or "ooops")
end

return M
