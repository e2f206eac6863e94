--- pktgen.json: encode Lua values as JSON and decode JSON text (serde_json in the runtime).
-- Integers stay integers; a getter's {[0] = ..., n = 1} becomes {"0": ..., "n": 1}; object
-- keys come out sorted; JSON null decodes to pktgen.json.null, which encodes back as null.
local engine = require "engine"

local M = {}

--- JSON null (what decode gives for null; encode writes it as null).
M.null = engine.json_null

--- JSON text of v; opts.pretty indents it. Raises an error naming what cannot be encoded.
function M.encode(v, opts)
	return engine.json_encode(v, type(opts) == "table" and opts.pretty == true)
end

--- The Lua value of JSON text s: objects and arrays become tables (object keys stay strings).
function M.decode(s)
	return engine.json_decode(s)
end

function M.install(pktgen)
	pktgen.json = { null = M.null, encode = M.encode, decode = M.decode }
end

return M
