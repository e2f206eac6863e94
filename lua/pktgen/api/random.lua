--- Random bitfields (`pktgen.rnd`, `rnd_list`) of a port; pktgen.internal.bitfields turns their
-- masks into engine fields.
local engine = require "engine"
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local portlist = require "pktgen.internal.portlist"
local config = require "pktgen.internal.config"
local bitfields = require "pktgen.internal.bitfields"

local M = {}

--- Install pktgen.rnd and pktgen.rnd_list.
function M.install(pktgen)
	local arity = args.arity

	function pktgen.rnd(...)
		arity("rnd", select("#", ...), 4)
		local pl, idx, offset, mask = ...
		idx = args.number("rnd", idx, "index")
		if idx ~= math.floor(idx) or idx < 0 or idx >= bitfields.MAX_IDX then
			error(string.format("rnd: index must be 0..%d, got %s", bitfields.MAX_IDX - 1, tostring(idx)), 0)
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
		local clean = bitfields.clean(mask)
		perport.setter("rnd", pl, function(_, cfg)
			cfg.rnd[idx] = { offset = offset, mask = clean, active = clean ~= "" }
			if bitfields.any_active(cfg) then
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
			for idx = 0, bitfields.MAX_IDX - 1 do
				local r = cfg.rnd[idx] or { offset = 0, mask = "", active = false }
				list[idx] = { offset = r.offset, mask = bitfields.display(r.mask), active = r.active and "Yes" or "No" }
			end
			t[p] = list
		end
		return t
	end
end

return M
