--- Random bitfields as engine `fields` with keep/set/random masks. A mask is up to 32 characters
-- of 0, 1, . and X, left-aligned on a 32-bit big-endian word at `offset`.

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

return M
