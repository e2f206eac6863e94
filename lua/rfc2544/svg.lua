--- The RFC 2544 report as an SVG chart written as plain text: throughput per frame size (bars in
-- Mpps, a line in % of line rate), latency percentiles per size on a log scale, and the loss-rate
-- curve when it ran. Any browser or SVG renderer opens it; no fonts or scripts are embedded.
local M = {}

local W = 960            -- chart width
local PH = 300           -- panel height (plot area)
local ML, MR, MT, MB = 80, 80, 58, 56   -- panel margins: left, right, top, bottom
local COLORS = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
	"#bcbd22", "#17becf" }

local function esc(s)
	return (string.gsub(tostring(s), '[<>&"]', { ["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;", ['"'] = "&quot;" }))
end

local function n(v)
	return string.format("%.2f", v)
end

--- A panel under construction: SVG elements, and its plot area's box.
local Panel = {}
Panel.__index = Panel

local function panel(out, top, title)
	local p = setmetatable({ out = out, x0 = ML, x1 = W - MR, y0 = top + MT, y1 = top + MT + PH }, Panel)
	p:text(W / 2, top + 24, title, { size = 16, anchor = "middle", weight = "bold" })
	p:add(string.format('<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#444"/>', n(p.x0),
		n(p.y0), n(p.x1 - p.x0), n(p.y1 - p.y0)))
	return p
end

function Panel:add(s)
	self.out[#self.out + 1] = s
end

function Panel:text(x, y, s, o)
	o = o or {}
	self:add(string.format('<text x="%s" y="%s" font-family="sans-serif" font-size="%d" text-anchor="%s"%s%s%s>%s</text>',
		n(x), n(y), o.size or 12, o.anchor or "start", o.weight and (' font-weight="' .. o.weight .. '"') or "",
		o.color and (' fill="' .. o.color .. '"') or "",
		o.rotate and string.format(' transform="rotate(-90 %s %s)"', n(x), n(y)) or "", esc(s)))
end

function Panel:line(x1, y1, x2, y2, color, width, dash)
	self:add(string.format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>', n(x1), n(y1),
		n(x2), n(y2), color, width or 1, dash and (' stroke-dasharray="' .. dash .. '"') or ""))
end

function Panel:polyline(pts, color)
	local t = {}
	for i, pt in ipairs(pts) do
		t[i] = n(pt[1]) .. "," .. n(pt[2])
	end
	self:add(string.format('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>', table.concat(t, " "),
		color))
end

--- A marker: "circle", "square", "diamond", "triangle" or "tick" (a short horizontal bar).
function Panel:marker(kind, x, y, color, label)
	local title = label and ("<title>" .. esc(label) .. "</title>") or ""
	if kind == "circle" then
		self:add(string.format('<circle cx="%s" cy="%s" r="4.5" fill="%s">%s</circle>', n(x), n(y), color, title))
	elseif kind == "square" then
		self:add(string.format('<rect x="%s" y="%s" width="8" height="8" fill="%s">%s</rect>', n(x - 4), n(y - 4), color,
			title))
	elseif kind == "diamond" then
		self:add(string.format('<polygon points="%s,%s %s,%s %s,%s %s,%s" fill="%s">%s</polygon>', n(x), n(y - 6),
			n(x + 6), n(y), n(x), n(y + 6), n(x - 6), n(y), color, title))
	elseif kind == "triangle" then
		self:add(string.format('<polygon points="%s,%s %s,%s %s,%s" fill="%s">%s</polygon>', n(x), n(y - 6), n(x + 6),
			n(y + 5), n(x - 6), n(y + 5), color, title))
	else
		self:add(string.format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2">%s</line>',
			n(x - 8), n(y), n(x + 8), n(y), color, title))
	end
end

--- Tick values 0..top for a linear axis up to `max` (1, 2 or 5 times a power of ten apart).
local function ticks(max)
	if max <= 0 then
		max = 1
	end
	local raw = max / 5
	local mag = 10 ^ math.floor(math.log(raw, 10))
	local step = mag * 10
	for _, m in ipairs { 1, 2, 5 } do
		if mag * m >= raw then
			step = mag * m
			break
		end
	end
	local t, v = {}, 0
	while v < max + step * 0.999 do
		t[#t + 1] = v
		v = v + step
	end
	return t, t[#t]
end

local function label(v)
	if v == 0 then
		return "0"
	end
	return string.format("%g", tonumber(string.format("%.4g", v)))
end

--- Left axis (and grid) from 0 to top; returns value -> y.
function Panel:yaxis(values, name, right, color)
	local top = values[#values]
	local y0, y1 = self.y0, self.y1
	local function y(v)
		return y1 - (y1 - y0) * v / top
	end
	for _, v in ipairs(values) do
		if right then
			self:line(self.x1, y(v), self.x1 + 5, y(v), color or "#444")
			self:text(self.x1 + 8, y(v) + 4, label(v), { color = color })
		else
			self:line(self.x0 - 5, y(v), self.x1, y(v), "#ddd")
			self:text(self.x0 - 8, y(v) + 4, label(v), { anchor = "end", color = color })
		end
	end
	local x = right and (self.x1 + 58) or (self.x0 - 58)
	self:text(x, (y0 + y1) / 2, name, { anchor = "middle", rotate = true, color = color })
	return y
end

--- Category x positions: the centre of slot i of k.
function Panel:slots(sizes)
	local k = #sizes
	local w = (self.x1 - self.x0) / k
	for i, s in ipairs(sizes) do
		self:text(self.x0 + w * (i - 0.5), self.y1 + 18, s.size .. " B", { anchor = "middle" })
	end
	self:text((self.x0 + self.x1) / 2, self.y1 + 40, "frame size", { anchor = "middle" })
	return function(i)
		return self.x0 + w * (i - 0.5)
	end, w
end

function Panel:legend(items, y)
	local x = self.x0 + 10
	for _, it in ipairs(items) do
		self:marker(it.kind, x, y - 4, it.color)
		self:text(x + 10, y, it.name)
		x = x + 20 + 7 * #it.name + 16
	end
end

local function throughput(out, top, r)
	local p = panel(out, top, "Throughput per frame size")
	local max = 0
	for _, s in ipairs(r.sizes) do
		max = math.max(max, s.throughput and s.throughput.mpps or 0)
	end
	local yt = ticks(max > 0 and max * 1.1 or 1)
	local y = p:yaxis(yt, "Mpps (all sending ports)")
	local ypct = p:yaxis({ 0, 20, 40, 60, 80, 100 }, "% of line rate (per port)", true, COLORS[2])
	local x, w = p:slots(r.sizes)
	local pts = {}
	for i, s in ipairs(r.sizes) do
		local t = s.throughput
		if t then
			local bw = w * 0.5
			local h = p.y1 - y(t.mpps)
			p:add(string.format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%d B: %.4f Mpps, %.3f %% of line rate</title></rect>',
				n(x(i) - bw / 2), n(y(t.mpps)), n(bw), n(h), COLORS[1], s.size, t.mpps, t.percent))
			p:text(x(i), y(t.mpps) - 6, string.format("%.4g", t.mpps), { anchor = "middle", size = 11 })
			pts[#pts + 1] = { x(i), ypct(math.min(100, t.percent)) }
		end
	end
	if #pts > 1 then
		p:polyline(pts, COLORS[2])
	end
	for _, pt in ipairs(pts) do
		p:marker("circle", pt[1], pt[2], COLORS[2])
	end
	p:legend({ { kind = "square", color = COLORS[1], name = "Mpps" },
		{ kind = "circle", color = COLORS[2], name = "% of line rate" } }, top + MT - 8)
end

local PCTS = {
	{ key = "min", name = "min", kind = "tick", color = "#555" },
	{ key = "p50", name = "p50", kind = "circle", color = COLORS[1] },
	{ key = "p99", name = "p99", kind = "square", color = COLORS[2] },
	{ key = "p99_9", name = "p99.9", kind = "diamond", color = COLORS[4] },
	{ key = "max", name = "max", kind = "tick", color = "#000" },
}

local function latency(out, top, r)
	local p = panel(out, top, "Latency per frame size (log scale)")
	local lo, hi = math.huge, 0
	for _, s in ipairs(r.sizes) do
		local l = s.latency
		if l and (l.count or 0) > 0 then
			lo, hi = math.min(lo, math.max(1, l.min)), math.max(hi, l.max)
		end
	end
	if hi == 0 then
		lo, hi = 1000, 10000
	end
	-- Decades of microseconds that hold every value.
	local d0 = math.floor(math.log(lo / 1e3, 10))
	local d1 = math.max(d0 + 1, math.ceil(math.log(hi / 1e3, 10)))
	local function y(ns)
		local v = math.log(math.max(ns, 1) / 1e3, 10)
		return p.y1 - (p.y1 - p.y0) * (v - d0) / (d1 - d0)
	end
	for d = d0, d1 do
		local v = 10 ^ d
		p:line(p.x0 - 5, y(v * 1e3), p.x1, y(v * 1e3), "#ddd")
		p:text(p.x0 - 8, y(v * 1e3) + 4, label(v), { anchor = "end" })
		if d < d1 then
			for m = 2, 9 do
				p:line(p.x0, y(m * v * 1e3), p.x1, y(m * v * 1e3), "#f0f0f0")
			end
		end
	end
	p:text(p.x0 - 58, (p.y0 + p.y1) / 2, "latency in us", { anchor = "middle", rotate = true })
	local x = p:slots(r.sizes)
	for i, s in ipairs(r.sizes) do
		local l = s.latency
		if l and (l.count or 0) > 0 then
			p:line(x(i), y(l.min), x(i), y(l.max), "#999", 1)
			for _, q in ipairs(PCTS) do
				p:marker(q.kind, x(i), y(l[q.key]), q.color,
					string.format("%d B %s: %.3f us", s.size, q.name, l[q.key] / 1e3))
			end
			p:text(x(i) + 10, y(l.p50) + 4, string.format("%.4g", l.p50 / 1e3), { size = 11 })
		end
	end
	p:legend(PCTS, top + MT - 8)
end

local function loss(out, top, r)
	local p = panel(out, top, "Frame loss rate by offered load")
	local xmax = 0
	for _, s in ipairs(r.sizes) do
		for _, pt in ipairs(s.loss or {}) do
			xmax = math.max(xmax, pt.rate)
		end
	end
	local xt = ticks(xmax)
	local xtop = xt[#xt]
	local function x(v)
		return p.x0 + (p.x1 - p.x0) * v / xtop
	end
	for _, v in ipairs(xt) do
		p:line(x(v), p.y1, x(v), p.y1 + 5, "#444")
		p:text(x(v), p.y1 + 18, label(v), { anchor = "middle" })
	end
	p:text((p.x0 + p.x1) / 2, p.y1 + 40, "offered load asked, % of line rate per port", { anchor = "middle" })
	local y = p:yaxis({ 0, 20, 40, 60, 80, 100 }, "frames lost, %")
	local items = {}
	for i, s in ipairs(r.sizes) do
		if s.loss then
			local color = COLORS[(i - 1) % #COLORS + 1]
			local pts = {}
			for _, pt in ipairs(s.loss) do
				pts[#pts + 1] = { x(pt.rate), y(math.max(0, math.min(100, pt.loss_pct))) }
			end
			p:polyline(pts, color)
			for _, pt in ipairs(pts) do
				p:marker("circle", pt[1], pt[2], color)
			end
			items[#items + 1] = { kind = "circle", color = color, name = s.size .. " B" }
		end
	end
	p:legend(items, top + MT - 8)
end

--- The chart of report `r` as SVG text.
function M.chart(r)
	local panels = {}
	local any = {}
	for _, s in ipairs(r.sizes) do
		any.throughput = any.throughput or s.throughput ~= nil
		any.latency = any.latency or s.latency ~= nil
		any.loss = any.loss or s.loss ~= nil
	end
	if any.throughput then panels[#panels + 1] = throughput end
	if any.latency then panels[#panels + 1] = latency end
	if any.loss then panels[#panels + 1] = loss end
	local ph = MT + PH + MB
	local height = 40 + ph * math.max(1, #panels)
	local out = {}
	out[1] = string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">',
		W, height, W, height)
	out[2] = string.format('<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>', W, height)
	out[3] = string.format('<text x="%d" y="26" font-family="sans-serif" font-size="18" text-anchor="middle" font-weight="bold">%s</text>',
		W // 2, esc(r:describe()))
	for i, f in ipairs(panels) do
		f(out, 40 + ph * (i - 1), r)
	end
	out[#out + 1] = "</svg>"
	return table.concat(out, "\n") .. "\n"
end

return M
