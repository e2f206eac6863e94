--- TCP header bytes (20 bytes, no options) and the flag names Pktgen accepts.
-- The checksum is left 0: the engine keeps it right.
local M = {}

M.size = 20

--- Flag bits as Pktgen names them; rs0..rs3 are the reserved bits above cwr.
M.FLAGS = {
	fin = 0x001, syn = 0x002, rst = 0x004, psh = 0x008, ack = 0x010, urg = 0x020,
	ece = 0x040, cwr = 0x080, rs0 = 0x100, rs1 = 0x200, rs2 = 0x400, rs3 = 0x800,
}
M.FLAG_ORDER = { "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "rs0", "rs1", "rs2", "rs3" }

--- o = {sport, dport, seq, ack, flags, window}.
function M.header(o)
	local flags = o.flags or M.FLAGS.ack
	return string.pack(">I2I2I4I4BBI2I2I2", o.sport, o.dport, o.seq or 0, o.ack or 0,
		(5 << 4) | ((flags >> 8) & 0x0f), flags & 0xff, o.window or 8192, 0, 0)
end

--- "syn,ack" -> bits; "clr" -> 0; unknown names are ignored (as Pktgen).
function M.parse_flags(str)
	local bits = 0
	for name in string.gmatch(string.lower(str), "[^,%s]+") do
		if name == "clr" then
			bits = 0
		elseif M.FLAGS[name] then
			bits = bits | M.FLAGS[name]
		end
	end
	return bits
end

--- bits -> "syn,ack" (empty string for none).
function M.flags_string(bits)
	local out = {}
	for _, name in ipairs(M.FLAG_ORDER) do
		if bits & M.FLAGS[name] ~= 0 then
			out[#out + 1] = name
		end
	end
	return table.concat(out, ",")
end

return M
