-- Source maps (issue 17): gd on a console message, a stack frame or an
-- "At:" line opens the original source's file at its place, which the
-- session's worker finds in the script's source map (source/resolve). A
-- source URL is a file under the web root (config web_root, else the
-- working directory), as vscode-js-debug's webRoot maps it:
-- webpack:///src/a.ts and a dev server's http://host/src/a.ts are
-- ROOT/src/a.ts, Vite's http://host/@fs/ABS is /ABS, file:///ABS is /ABS.
-- A script without a map opens as itself when it is a file under the root.
local compat = require("bdg.util.compat")
local config = require("bdg.config")
local notify = require("bdg.util.notify")
local protocol = require("bdg.protocol")

local v = compat.value
local uv = vim.loop

local M = {}

-- place_in returns the place a line of a bdg buffer names: a stack frame's
-- "(URL:LINE:COL)" or "At: URL:LINE:COL", else nil.
function M.place_in(line)
  local url, l, c = line:match("%(([^%s()]+):(%d+):(%d+)%)%s*$")
  if not url then
    url, l, c = line:match("^At:%s+(%S+):(%d+):(%d+)%s*$")
  end
  if not url then
    return nil
  end
  return { url = url, line = tonumber(l), column = tonumber(c) }
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h)
    return string.char(tonumber(h, 16))
  end))
end

-- under joins a URL path to root; nil when it climbs above it.
local function under(root, path)
  local parts = {}
  for seg in path:gmatch("[^/]+") do
    if seg == ".." then
      return nil
    elseif seg ~= "." then
      parts[#parts + 1] = seg
    end
  end
  if #parts == 0 then
    return nil
  end
  return root:gsub("/+$", "") .. "/" .. table.concat(parts, "/")
end

-- candidates lists the files a source (or a script's URL) may stand for.
local function candidates(source, root)
  source = source:gsub("[?#].*$", "")
  local scheme, rest = source:match("^([%a][%w+.-]*):(.*)$")
  if not scheme then
    if source:sub(1, 1) == "/" then
      return { source, under(root, source) }
    end
    return { under(root, source) }
  end
  if scheme == "file" then
    return { unescape(rest:gsub("^//[^/]*", "")) }
  elseif scheme == "webpack" or scheme == "webpack-internal" then
    local path = rest:gsub("^//[^/]*", "")
    return { under(root, unescape(path)) }
  elseif scheme == "http" or scheme == "https" then
    local path = unescape(rest:match("^//[^/]*(/.*)$") or "/")
    local abs = path:match("^/@fs(/.+)$")
    if abs then
      return { abs, under(root, path) }
    end
    return { under(root, path) }
  end
  return {}
end

-- local_file returns the file under root that source stands for, if one
-- exists (exists(path), default: a readable file).
function M.local_file(source, root, exists)
  exists = exists or function(p)
    local st = uv.fs_stat(p)
    return st ~= nil and st.type == "file"
  end
  for _, c in ipairs(candidates(source, root)) do
    if c and exists(c) then
      return c
    end
  end
  return nil
end

local function web_root()
  return v(config.get("web_root")) or uv.cwd()
end

-- leave_bdg_window goes from a bdg buffer's window to the previous
-- window, or a new one above, so that the file does not replace the view.
local function leave_bdg_window()
  if not vim.bo.filetype:match("^bdg") then
    return
  end
  local cur = vim.api.nvim_get_current_win()
  vim.cmd("wincmd p")
  if vim.api.nvim_get_current_win() == cur or vim.bo.filetype:match("^bdg") then
    vim.api.nvim_set_current_win(cur)
    vim.cmd("aboveleft split")
  end
end

local function open_at(file, line, column)
  leave_bdg_window()
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local last = vim.api.nvim_buf_line_count(0)
  vim.api.nvim_win_set_cursor(0, { math.min(math.max(line, 1), last), math.max((column or 1) - 1, 0) })
end

-- goto_place(name, place, cb) opens the original of a place of session
-- name's page: {url, line, column}. cb(err, {file, line, column, original})
-- says where it went; err when there was nowhere to go.
function M.goto_place(name, place, cb)
  cb = cb or function() end
  local actions = require("bdg.actions")
  local s = require("bdg.sessions").ensure(name)
  local root = web_root()
  local function fallback(reason)
    local file = M.local_file(place.url, root)
    if file then
      open_at(file, place.line, place.column)
      return cb(nil, { file = file, line = place.line, column = place.column })
    end
    local err = { message = ("no file for %s:%d (%s)"):format(place.url, place.line, reason) }
    notify.error("cannot go to the source", err)
    cb(err)
  end
  actions.call(s, protocol.method.source_resolve, { url = place.url, line = place.line, column = place.column }, vim.schedule_wrap(function(err, res)
    local o = not err and res and v(res.original)
    if not o then
      return fallback(err and (err.message or "source/resolve failed") or v(res and res.reason) or "no source map")
    end
    local file = M.local_file(o.source, root)
    if not file then
      return fallback(("its original %s is not under %s: set g:bdg_web_root"):format(o.source, root))
    end
    open_at(file, o.line, o.column)
    cb(nil, { file = file, line = o.line, column = o.column, original = o })
  end))
end

-- Originals shown in the console buffer: per session, a place's original
-- as a line shows it ("maps/src/app.ts:17"), false when it has none. A
-- place not known yet is asked with the others of a render, in one
-- source/resolve call; listeners redraw once the answer is in.
local shown = {} -- session -> { [place key] = string | false }
local pending = {} -- session -> { key -> place }
local listeners = {} -- session -> { fn }

-- shown_text gives an original place as a line shows it: its workspace
-- file relative to the working directory, else its source, and its line.
local function shown_text(o, root)
  local file = M.local_file(o.source, root)
  return ("%s:%d"):format(file and vim.fn.fnamemodify(file, ":.") or o.source, o.line)
end

local function key_of(url, line, column)
  return ("%s:%d:%d"):format(url, line, column or 1)
end

-- on_resolved(name, fn) calls fn() when originals of session name come in;
-- it returns a function that stops it.
function M.on_resolved(name, fn)
  listeners[name] = listeners[name] or {}
  table.insert(listeners[name], fn)
  return function()
    for i, f in ipairs(listeners[name] or {}) do
      if f == fn then
        table.remove(listeners[name], i)
        return
      end
    end
  end
end

-- MAX_LOCATIONS is what one source/resolve call takes.
local MAX_LOCATIONS = 1000

local function resolve_chunk(name, keys, places)
  local s = require("bdg.sessions").ensure(name)
  require("bdg.actions").call(s, protocol.method.source_resolve, { locations = places }, vim.schedule_wrap(function(err, res)
    local results = not err and res and v(res.results) or {}
    local root = web_root()
    shown[name] = shown[name] or {}
    for i, k in ipairs(keys) do
      local o = type(results[i]) == "table" and v(results[i].original)
      shown[name][k] = o and shown_text(o, root) or false
    end
    for _, f in ipairs(listeners[name] or {}) do
      f()
    end
  end))
end

local function flush(name)
  local todo = pending[name]
  pending[name] = nil
  local keys, places = {}, {}
  for k, p in pairs(todo or {}) do
    keys[#keys + 1] = k
    places[#places + 1] = p
    if #places == MAX_LOCATIONS then
      resolve_chunk(name, keys, places)
      keys, places = {}, {}
    end
  end
  if #places > 0 then
    resolve_chunk(name, keys, places)
  end
end

-- original_of(name, m) returns a message's original place as a line shows
-- it, if known; else nil (the script's place is shown), and asks for it
-- once.
function M.original_of(name, m)
  local url, line = v(m.url), tonumber(v(m.line))
  if not url or not line or url == "" then
    return nil
  end
  local k = key_of(url, line, tonumber(v(m.column)))
  local known = shown[name] and shown[name][k]
  if known ~= nil then
    return known or nil
  end
  shown[name] = shown[name] or {}
  shown[name][k] = false -- asked: not again
  if not pending[name] then
    pending[name] = {}
    vim.defer_fn(function()
      flush(name)
    end, 20)
  end
  pending[name][k] = { url = url, line = line, column = tonumber(v(m.column)) }
  return nil
end

-- original_text(name, place, cb) calls cb(text) with a place's original
-- as a line shows it ("maps/src/app.ts:22"), nil when it has none.
function M.original_text(name, place, cb)
  local s = require("bdg.sessions").ensure(name)
  require("bdg.actions").call(s, protocol.method.source_resolve, { url = place.url, line = place.line, column = place.column }, vim.schedule_wrap(function(err, res)
    local o = not err and res and v(res.original)
    if not o then
      return cb(nil)
    end
    cb(shown_text(o, web_root()))
  end))
end

-- forget drops what is known of session name's originals (a new run).
function M.forget(name)
  shown[name], pending[name] = nil, nil
end

return M
