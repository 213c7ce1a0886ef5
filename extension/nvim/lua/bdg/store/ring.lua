-- A bounded queue with stable, ever-increasing indices: the newest `max`
-- items are kept, items[first..last]. Views remember indices, not items, to
-- see what was added or dropped since they last drew.
local M = {}

local Ring = {}
Ring.__index = Ring

function M.new(max)
  assert(type(max) == "number" and max >= 1, "ring: max must be a positive number")
  return setmetatable({ max = max, first = 1, last = 0, items = {} }, Ring)
end

-- push adds an item and returns its index and the item it pushed out, if any.
function Ring:push(item)
  local last = self.last + 1
  self.last = last
  self.items[last] = item
  local dropped
  if last - self.first + 1 > self.max then
    dropped = self.items[self.first]
    self.items[self.first] = nil
    self.first = self.first + 1
  end
  return last, dropped
end

function Ring:get(i)
  return self.items[i]
end

function Ring:len()
  return self.last - self.first + 1
end

return M
