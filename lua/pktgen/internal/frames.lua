--- Finished frame bytes for frames sent on their own (engine.send): a template's length and
-- checksum fix-ups, applied by the engine's own code (engine.frame, docs/ENGINE_MODULE.md).
local engine = require "engine"

local M = {}

--- Frame bytes of template t = {data, checksums, lengths} with lengths and checksums applied.
function M.finish(t)
	return engine.frame(t)
end

return M
