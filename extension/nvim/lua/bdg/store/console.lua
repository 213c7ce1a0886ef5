-- The console of a session as a bounded list of entries, oldest first:
--   {kind = "message", message = ConsoleMessage}
--   {kind = "navigation", navigation = {id, url, timestamp}}
--   {kind = "dropped", count, fromSeq, toSeq}
--   {kind = "ended", reason, outputPath?, error?}
-- Navigations, drops and the end are entries so they show where they
-- happened among the messages.
local ring = require("bdg.store.ring")

local M = {}

local Console = {}
Console.__index = Console

function M.new(max)
  return setmetatable({ ring = ring.new(max), counts = {} }, Console)
end

function Console:add(entry)
  if entry.kind == "message" then
    local level = entry.message.level or "log"
    self.counts[level] = (self.counts[level] or 0) + 1
  end
  return self.ring:push(entry)
end

-- messages returns the messages kept, oldest first.
function Console:messages()
  local out = {}
  for i = self.ring.first, self.ring.last do
    local e = self.ring.items[i]
    if e.kind == "message" then
      out[#out + 1] = e.message
    end
  end
  return out
end

return M
