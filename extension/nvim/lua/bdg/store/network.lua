-- The requests of a session, one row per requestId, in the order they were
-- first seen, bounded: each event carries the whole request as it stands,
-- so a row is replaced, never merged. A row also counts the frames of its
-- WebSocket (the messages of its EventSource), which come as events of
-- their own. Changed rows are remembered until the view takes them.
local ring = require("bdg.store.ring")

local M = {}

local Network = {}
Network.__index = Network

function M.new(max)
  return setmetatable({
    ring = ring.new(max), -- request ids, oldest first
    rows = {}, -- requestId -> {index, request, streamed}
    dirty = {}, -- requestId -> true: replaced since the view last drew
  }, Network)
end

-- upsert stores a request; it returns true when the row is new.
function Network:upsert(req)
  local id = req.requestId
  if type(id) ~= "string" then
    return false
  end
  local row = self.rows[id]
  if row then
    row.request = req
    self.dirty[id] = true
    return false
  end
  local index, dropped = self.ring:push(id)
  self.rows[id] = { index = index, request = req }
  if dropped then
    self.rows[dropped] = nil
    self.dirty[dropped] = nil
  end
  return true
end

-- count_stream counts a frame (or an EventSource message) on its request's
-- row; it returns false when the store has no such row.
function Network:count_stream(id)
  local row = type(id) == "string" and self.rows[id]
  if not row then
    return false
  end
  row.streamed = (row.streamed or 0) + 1
  self.dirty[id] = true
  return true
end

-- streamed returns the frames (or messages) counted on a request's row.
function Network:streamed(id)
  local row = self.rows[id]
  return row and row.streamed or 0
end

function Network:get(id)
  local row = self.rows[id]
  return row and row.request
end

-- at returns the request at a ring index.
function Network:at(index)
  local id = self.ring:get(index)
  return id and self.rows[id].request
end

-- row_at returns the row at a ring index: {index, request, streamed}.
function Network:row_at(index)
  local id = self.ring:get(index)
  return id and self.rows[id]
end

-- take_dirty returns the changed rows' ids and forgets them.
function Network:take_dirty()
  local d = self.dirty
  self.dirty = {}
  return d
end

function Network:len()
  return self.ring:len()
end

return M
