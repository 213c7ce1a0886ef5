-- Coalesces redraws: mark() any number of times, fn runs once, at most
-- every `ms`, on the main loop. A burst of 10,000 events is one redraw.
local compat = require("bdg.util.compat")

local uv = compat.uv

local M = {}

local Throttle = {}
Throttle.__index = Throttle

function M.new(ms, fn)
  return setmetatable({ ms = ms, fn = fn, pending = false, timer = nil }, Throttle)
end

function Throttle:mark()
  if self.pending or self.dead then
    return
  end
  self.pending = true
  if not self.timer then
    self.timer = uv.new_timer()
  end
  self.timer:start(self.ms, 0, vim.schedule_wrap(function()
    self.pending = false
    if not self.dead then
      self.fn()
    end
  end))
end

-- now runs fn at once (and cancels a pending run).
function Throttle:now()
  if self.timer then
    self.timer:stop()
  end
  self.pending = false
  if not self.dead then
    self.fn()
  end
end

function Throttle:close()
  self.dead = true
  if self.timer then
    self.timer:stop()
    if not self.timer:is_closing() then
      self.timer:close()
    end
    self.timer = nil
  end
end

return M
