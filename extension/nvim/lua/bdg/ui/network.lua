-- The network buffer of a session (bdg://NAME/network): one line per
-- requestId (method, status, URL, duration), in the order first seen,
-- rewritten in place as the request progresses, redrawn at most every
-- redraw_ms. <CR> opens the request's headers and body.
local buffer = require("bdg.ui.buffer")
local config = require("bdg.config")
local format = require("bdg.ui.format")
local hl = require("bdg.ui.highlight")
local throttle = require("bdg.ui.throttle")

local api = vim.api

local M = {}

local View = {}
View.__index = View

local views = {} -- session name -> View

-- Past this many changed rows, one full redraw is cheaper than patches.
local PATCH_LIMIT = 200

local function row_lines(store, from, to)
  local lines, groups = {}, {}
  for i = from, to do
    local row = store:row_at(i)
    local line, group = format.network_row(row.request, row.streamed)
    lines[#lines + 1] = line
    groups[#groups + 1] = group or false
  end
  return lines, groups
end

function View:_highlight(start, lines, groups)
  local marks = {}
  for i, g in ipairs(groups) do
    if g then
      marks[#marks + 1] = { start + i - 1, g, #lines[i] }
    end
  end
  hl.apply(self.buf, marks)
end

function View:_full(store, first, last)
  store:take_dirty()
  api.nvim_buf_clear_namespace(self.buf, hl.ns, 0, -1)
  local lines, groups = row_lines(store, first, last)
  buffer.set_lines(self.buf, 0, -1, lines)
  self:_highlight(0, lines, groups)
end

-- render brings the buffer up to date with the store.
function View:render()
  local buf = self.buf
  if not buffer.valid(buf) then
    return
  end
  local session = self.session
  local store = session.network
  local first, last = store.ring.first, store.ring.last
  local dirty = store:take_dirty()
  local ndirty = vim.tbl_count(dirty)
  -- A full redraw when the store was replaced or dropped rows (the lines
  -- would all shift), or when too much changed.
  if self.gen ~= session.gen or first ~= self.first or self.last == 0 or ndirty > PATCH_LIMIT then
    self:_full(store, first, last)
  else
    for id in pairs(dirty) do
      local row = store.rows[id]
      if row and row.index <= self.last then
        local lnum = row.index - first
        local line, group = format.network_row(row.request, row.streamed)
        api.nvim_buf_clear_namespace(buf, hl.ns, lnum, lnum + 1)
        buffer.set_lines(buf, lnum, lnum + 1, { line })
        if group then
          hl.apply(buf, { { lnum, group, #line } })
        end
      end
    end
    if last > self.last then
      local count = self.last - first + 1
      local lines, groups = row_lines(store, self.last + 1, last)
      buffer.set_lines(buf, count, count, lines)
      self:_highlight(count, lines, groups)
    end
  end
  self.gen, self.first, self.last = session.gen, first, last
end

-- request_at returns the request shown on a 1-based line.
function View:request_at(lnum)
  if self.gen ~= self.session.gen then
    return nil
  end
  return self.session.network:at(self.first + lnum - 1)
end

function View:_open_request()
  local r = self:request_at(api.nvim_win_get_cursor(0)[1])
  if r then
    require("bdg.actions").show_request(self.session.name, r.requestId)
  end
end

function View:close()
  self.throttle:close()
  if self.unsubscribe then
    self.unsubscribe()
  end
  views[self.session.name] = nil
end

local function new_view(session)
  local self = setmetatable({ session = session, gen = -1, first = 1, last = 0 }, View)
  self.buf = buffer.create(("bdg://%s/network"):format(session.name), "bdgnetwork")
  self.throttle = throttle.new(config.get("redraw_ms"), function()
    local ok, err = pcall(self.render, self)
    if not ok then
      vim.notify("bdg: network redraw failed: " .. tostring(err), vim.log.levels.ERROR)
    end
  end)
  self.unsubscribe = session:on_change(function(what)
    if what == "network" or what == "reset" then
      self.throttle:mark()
    end
  end)
  vim.keymap.set("n", "<CR>", function()
    self:_open_request()
  end, { buffer = self.buf, silent = true, desc = "bdg: show this request's headers and body" })
  api.nvim_create_autocmd("BufWipeout", {
    buffer = self.buf,
    once = true,
    callback = function()
      self:close()
    end,
  })
  views[session.name] = self
  return self
end

-- get returns the network view of a session, creating it (drawn at once)
-- when there is none.
function M.get(session)
  return buffer.view(views, session, new_view)
end

function M.open(session, mods)
  local view = M.get(session)
  buffer.show(view.buf, mods)
  return view
end

function M.find(name)
  return views[name]
end

function M.close_all()
  for _, view in pairs(vim.tbl_values(views)) do
    view:close()
  end
end

return M
