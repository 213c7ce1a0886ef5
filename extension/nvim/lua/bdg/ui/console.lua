-- The console buffer of a session (bdg://NAME/console): one line per
-- entry of the session's console store, appended as events arrive,
-- redrawn at most every redraw_ms, the oldest lines dropped with the
-- store's. Windows at the bottom follow new lines. <CR> opens a message;
-- gd its original source (source maps).
local buffer = require("bdg.ui.buffer")
local config = require("bdg.config")
local format = require("bdg.ui.format")
local hl = require("bdg.ui.highlight")
local sources = require("bdg.sources")
local throttle = require("bdg.ui.throttle")

local api = vim.api

local M = {}

local View = {}
View.__index = View

local views = {} -- session name -> View

local function entries_lines(ring, from, to, original)
  local lines, groups = {}, {}
  for i = from, to do
    local line, group = format.console_entry(ring.items[i], original)
    lines[#lines + 1] = line
    groups[#groups + 1] = group or false
  end
  return lines, groups
end

-- windows_at_bottom lists the windows whose cursor is on the last line.
local function windows_at_bottom(buf, nlines)
  local out = {}
  for _, win in ipairs(buffer.windows(buf)) do
    if api.nvim_win_get_cursor(win)[1] >= nlines then
      out[#out + 1] = win
    end
  end
  return out
end

function View:_highlight(start, lines, groups)
  local marks = {}
  for i, g in ipairs(groups) do
    if g and g ~= "BdgConsoleLog" then
      marks[#marks + 1] = { start + i - 1, g, #lines[i] }
    end
  end
  hl.apply(self.buf, marks)
end

-- render brings the buffer up to date with the store.
function View:render()
  local buf = self.buf
  if not buffer.valid(buf) then
    return
  end
  local session = self.session
  local ring = session.console.ring
  local first, last = ring.first, ring.last
  local full = self.gen ~= session.gen or self.last < first - 1 or self.last == 0
  if not full and self.last == last and self.first == first then
    return
  end
  local old_count = self.last - self.first + 1
  local follow = config.get("follow") and windows_at_bottom(buf, math.max(old_count, 1)) or {}
  if full then
    api.nvim_buf_clear_namespace(buf, hl.ns, 0, -1)
    local lines, groups = entries_lines(ring, first, last, self.original)
    buffer.set_lines(buf, 0, -1, lines)
    self:_highlight(0, lines, groups)
  else
    -- Append what is new, then drop from the top what the store dropped.
    local lines, groups = entries_lines(ring, self.last + 1, last, self.original)
    buffer.set_lines(buf, old_count, old_count, lines)
    self:_highlight(old_count, lines, groups)
    local gone = first - self.first
    if gone > 0 then
      -- Marks of deleted lines would pile up at the top: clear them first.
      api.nvim_buf_clear_namespace(buf, hl.ns, 0, gone)
      buffer.set_lines(buf, 0, gone, {})
    end
  end
  self.gen, self.first, self.last = session.gen, first, last
  local count = api.nvim_buf_line_count(buf)
  for _, win in ipairs(follow) do
    api.nvim_win_set_cursor(win, { count, 0 })
  end
end

-- entry_at returns the store entry shown on a 1-based line, if still kept.
function View:entry_at(lnum)
  if self.gen ~= self.session.gen then
    return nil
  end
  return self.session.console.ring:get(self.first + lnum - 1)
end

function View:_open_entry()
  local e = self:entry_at(api.nvim_win_get_cursor(0)[1])
  if e and e.kind == "message" then
    require("bdg.ui.detail").show_message(self.session.name, e.message)
  end
end

-- _goto_source opens the original source of the message on the cursor's
-- line (gd).
function View:_goto_source()
  local e = self:entry_at(api.nvim_win_get_cursor(0)[1])
  local m = e and e.kind == "message" and e.message or {}
  local v = require("bdg.util.compat").value
  local url, line = v(m.url), tonumber(v(m.line))
  if not url or not line then
    vim.notify("bdg: no source place on this line", vim.log.levels.WARN)
    return
  end
  require("bdg.sources").goto_place(self.session.name, { url = url, line = line, column = tonumber(v(m.column)) })
end

function View:close()
  self.throttle:close()
  if self.unsubscribe then
    self.unsubscribe()
  end
  if self.unresolved then
    self.unresolved()
  end
  views[self.session.name] = nil
end

local function new_view(session)
  local self = setmetatable({ session = session, gen = -1, first = 1, last = 0 }, View)
  self.buf = buffer.create(("bdg://%s/console"):format(session.name), "bdgconsole")
  self.throttle = throttle.new(config.get("redraw_ms"), function()
    local ok, err = pcall(self.render, self)
    if not ok then
      vim.notify("bdg: console redraw failed: " .. tostring(err), vim.log.levels.ERROR)
    end
  end)
  self.unsubscribe = session:on_change(function(what)
    if what == "reset" then
      sources.forget(session.name)
    end
    if what == "console" or what == "reset" or what == "ended" then
      self.throttle:mark()
    end
  end)
  -- Places at their original sources (source maps): asked as lines are
  -- drawn; once they come, the buffer is drawn again.
  self.original = function(m)
    return sources.original_of(session.name, m)
  end
  self.unresolved = sources.on_resolved(session.name, function()
    self.gen = -1
    self.throttle:mark()
  end)
  vim.keymap.set("n", "<CR>", function()
    self:_open_entry()
  end, { buffer = self.buf, silent = true, desc = "bdg: show this console message" })
  vim.keymap.set("n", "gd", function()
    self:_goto_source()
  end, { buffer = self.buf, silent = true, desc = "bdg: open the message's original source" })
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

-- get returns the console view of a session, creating it (drawn at once)
-- when there is none.
function M.get(session)
  return buffer.view(views, session, new_view)
end

-- open shows the console of a session in a window.
function M.open(session, mods)
  local view = M.get(session)
  buffer.show(view.buf, mods)
  if config.get("follow") then
    api.nvim_win_set_cursor(0, { api.nvim_buf_line_count(view.buf), 0 })
  end
  return view
end

-- find returns the view of a session's console, if it has one.
function M.find(name)
  return views[name]
end

-- close_all removes every view's timer and subscription (VimLeavePre).
function M.close_all()
  for _, view in pairs(vim.tbl_values(views)) do
    view:close()
  end
end

return M
