--- `pktgen.bonding(pl, onoff)` (Pktgen 26.02): shows each port's bonding mode and members, or
-- says that the port is not a bonding port. The on/off state is accepted: Pktgen uses it to make
-- an idle port call TX for 802.3ad's LACP frames, which this pktgen does not need to ask for.
local engine = require "engine"
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"

local M = {}

M.MODES = { [0] = "round-robin", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb",
	"balance-alb" }

--- The lines that describe port p's bonding.
function M.describe(p)
	local b = engine.bonding(p)
	if not b then
		return { string.format("Port %d is not a bonding port", p) }
	end
	local lines = { string.format("Port %d: bonding mode %d (%s), %d member%s%s", p, b.mode,
		M.MODES[b.mode] or "unknown", #b.members, #b.members == 1 and "" or "s",
		b.primary and (", primary " .. b.primary) or "") }
	for _, m in ipairs(b.members) do
		lines[#lines + 1] = string.format("  %s (DPDK port %d): %s", m.name, m.port, m.active and "active" or "inactive")
	end
	return lines
end

function M.install(pktgen)
	function pktgen.bonding(...)
		args.arity("bonding", select("#", ...), 2)
		local pl, onoff = ...
		args.onoff(onoff)
		perport.port("bonding", pl, function(p)
			io.write(table.concat(M.describe(p), "\n"), "\n")
		end)
		io.flush()
	end
end

return M
