--- Random bitfields (`pktgen.rnd`, `rnd_list`) as engine `fields` with keep/set/random masks.
-- A mask is up to 32 characters of 0, 1, . and X, left-aligned on a 32-bit big-endian word at `offset`.
local engine = require "engine"
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local portlist = require "pktgen.internal.portlist"
local config = require "pktgen.internal.config"

local M = {}

M.MAX_IDX = 32
M.WIDTH = 32

--- Filter a user mask to its meaningful characters: "0", "1", "." and "X" (x upper-cased).
-- "off" (and any mask with nothing left) gives "".
function M.clean(mask)
	if string.lower(mask) == "off" then
		return ""
	end
	local s = string.upper(string.gsub(mask, "[^01%.Xx]", ""))
	return string.sub(s, 1, M.WIDTH)
end

--- keep, set and random masks of a cleaned mask string.
function M.masks(mask)
	local keep, set, rnd = 0, 0, 0
	local padded = mask .. string.rep(".", M.WIDTH - #mask)
	for i = 1, M.WIDTH do
		local bit = 1 << (M.WIDTH - i)
		local c = string.sub(padded, i, i)
		if c == "." then
			keep = keep | bit
		elseif c == "1" then
			set = set | bit
		elseif c == "X" then
			rnd = rnd | bit
		end
	end
	return keep, set, rnd
end

--- The 32-character mask with a space after each group of 8 (between groups), as rnd_list shows it.
function M.display(mask)
	local padded = mask .. string.rep(".", M.WIDTH - #mask)
	return string.format("%s %s %s %s", string.sub(padded, 1, 8), string.sub(padded, 9, 16),
		string.sub(padded, 17, 24), string.sub(padded, 25, 32))
end

--- Engine fields for the port's active random bitfields (none unless random mode is on).
function M.fields(cfg)
	local fields = {}
	if not cfg.random then
		return fields
	end
	for idx = 0, M.MAX_IDX - 1 do
		local r = cfg.rnd[idx]
		if r and r.active then
			local keep, set, rnd = M.masks(r.mask)
			fields[#fields + 1] = { offset = r.offset, width = 4, keep = keep, set = set, random = rnd }
		end
	end
	return fields
end

--- Whether any bitfield of the port is active.
function M.any_active(cfg)
	for idx = 0, M.MAX_IDX - 1 do
		if cfg.rnd[idx] and cfg.rnd[idx].active then
			return true
		end
	end
	return false
end

--- Install pktgen.rnd and pktgen.rnd_list.
function M.install(pktgen)
	local arity = args.arity

	function pktgen.rnd(...)
		arity("rnd", select("#", ...), 4)
		local pl, idx, offset, mask = ...
		idx = args.number("rnd", idx, "index")
		if idx ~= math.floor(idx) or idx < 0 or idx >= M.MAX_IDX then
			error(string.format("rnd: index must be 0..%d, got %s", M.MAX_IDX - 1, tostring(idx)), 0)
		end
		idx = math.tointeger(idx)
		offset = args.number("rnd", offset, "offset")
		if offset ~= math.floor(offset) or offset < 0 or offset + 4 > engine.max_frame() then
			error(string.format("rnd: offset %s is outside the frame", tostring(offset)), 0)
		end
		offset = math.tointeger(offset)
		if type(mask) ~= "string" then
			error("rnd: mask must be a string", 0)
		end
		local clean = M.clean(mask)
		perport.setter("rnd", pl, function(_, cfg)
			cfg.rnd[idx] = { offset = offset, mask = clean, active = clean ~= "" }
			if M.any_active(cfg) then
				-- Random mode forces single-packet mode, as in Pktgen.
				cfg.random = true
				cfg.mode = "single"
			else
				cfg.random = false
			end
		end)
	end

	function pktgen.rnd_list(...)
		local n = select("#", ...)
		arity("rnd_list", n, 0, 1)
		local ports = n == 1 and portlist.parse("rnd_list", (...)) or portlist.all()
		local t = { n = #ports }
		for _, p in ipairs(ports) do
			local cfg = config.get(p)
			local list = {}
			for idx = 0, M.MAX_IDX - 1 do
				local r = cfg.rnd[idx] or { offset = 0, mask = "", active = false }
				list[idx] = { offset = r.offset, mask = M.display(r.mask), active = r.active and "Yes" or "No" }
			end
			t[p] = list
		end
		return t
	end
end

return M
