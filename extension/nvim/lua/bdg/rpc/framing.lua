-- Newline-delimited JSON framing (docs/PROTOCOL.md, Framing): bytes in,
-- whole lines out, and messages to lines.
--
-- Two feeds, one per kind of reader:
--   feed_list(data)  jobstart's on_stdout/on_stderr: a list where data[1]
--                    continues the line being read, every later element
--                    starts a new line, and the last one is partial ("" when
--                    the chunk ended in a newline). {""} alone is EOF.
--   feed_bytes(s)    a raw chunk from a libuv stream.
-- Lines are assembled from bytes, so a multi-byte character split across
-- reads comes out whole. "\r" before "\n" is dropped and blank lines are
-- skipped. A line longer than max_bytes is never buffered whole: it is
-- discarded up to its newline and reported through on_error.
local compat = require("bdg.util.compat")

local M = {}

M.MAX_BYTES = 64 * 1024 * 1024

local Framer = {}
Framer.__index = Framer

-- new(on_line, opts): opts.max_bytes (default 64 MiB), opts.on_error(msg).
function M.new(on_line, opts)
  opts = opts or {}
  return setmetatable({
    on_line = on_line,
    on_error = opts.on_error or function() end,
    max_bytes = opts.max_bytes or M.MAX_BYTES,
    parts = {}, -- pieces of the partial line
    size = 0, -- bytes in parts
    skipping = false, -- discarding an oversized line up to its newline
  }, Framer)
end

function Framer:_append(piece)
  if piece == "" or self.skipping then
    return
  end
  self.size = self.size + #piece
  if self.size > self.max_bytes then
    self.parts, self.size, self.skipping = {}, 0, true
    self.on_error(("line longer than the limit of %d bytes: dropped"):format(self.max_bytes))
    return
  end
  self.parts[#self.parts + 1] = piece
end

-- _newline ends the current line: it is emitted unless blank or dropped.
function Framer:_newline()
  local skipped = self.skipping
  local line = table.concat(self.parts)
  self.parts, self.size, self.skipping = {}, 0, false
  if skipped then
    return
  end
  if line:sub(-1) == "\r" then
    line = line:sub(1, -2)
  end
  if line:find("%S") then
    self.on_line(line)
  end
end

function Framer:feed_list(data)
  local n = #data
  if n == 0 then
    return
  end
  self:_append(data[1])
  for i = 2, n do
    self:_newline()
    self:_append(data[i])
  end
end

function Framer:feed_bytes(s)
  local pos = 1
  while true do
    local nl = s:find("\n", pos, true)
    if not nl then
      if pos <= #s then
        self:_append(s:sub(pos))
      end
      return
    end
    self:_append(s:sub(pos, nl - 1))
    self:_newline()
    pos = nl + 1
  end
end

-- finish is EOF: a last line without its newline is still delivered.
function Framer:finish()
  if #self.parts > 0 or self.skipping then
    self:_newline()
  end
end

-- pending reports whether a partial line is buffered.
function Framer:pending()
  return #self.parts > 0
end

-- encode turns a message into the one line that carries it, "\n" included.
function M.encode(msg)
  return compat.json_encode(msg) .. "\n"
end

return M
