--- Command files and strings: `pktgen.load(path)` and `pktgen.run(kind, str, _)`.
-- A path containing ".lua" runs as Lua in this state; any other path is a Pktgen CLI (.pkt) file.
local M = {}

--- True when Pktgen would run the path as Lua (strcasestr ".lua").
function M.is_lua(path)
	return string.find(string.lower(path), ".lua", 1, true) ~= nil
end

--- Run a Lua file or a .pkt command file; errors name the function and the path.
function M.load(fname, path)
	if type(path) ~= "string" then
		error(fname .. ": path must be a string", 0)
	end
	local ok, err
	if M.is_lua(path) then
		local chunk, lerr = loadfile(path)
		if not chunk then
			ok, err = false, lerr
		else
			ok, err = pcall(chunk)
		end
	else
		ok, err = pcall(require("pktgen.console.cli").run_file, path)
	end
	if not ok then
		error(string.format("load command failed for %s: %s", path, tostring(err)), 0)
	end
end

--- pktgen.run: "cmd" loads a file, "lua" runs a string of Lua.
function M.run(kind, what)
	if kind == "cmd" then
		return M.load("run", what)
	elseif kind == "lua" then
		if type(what) ~= "string" then
			error("run: the Lua code must be a string", 0)
		end
		local chunk, err = load(what, "=run")
		if not chunk then
			error("run: " .. err, 0)
		end
		return chunk()
	end
	error(string.format("run: kind must be 'cmd' or 'lua', got '%s'", tostring(kind)), 0)
end

return M
