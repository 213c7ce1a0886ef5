-- The requests of a session, one row per requestId, in the order they were
-- first seen, bounded: each event carries the whole request as it stands,
-- so a row is replaced, never merged. Changed rows are remembered until
-- the view takes them.
local ring = require("bdg.store.ring")

local M = {}

local Network = {}
Network.__index = Network

function M.new(max)
  return setmetatable({
    ring = ring.new(max), -- request ids, oldest first
    rows = {}, -- requestId -> {index, request}
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

function Network:get(id)
  local row = self.rows[id]
  return row and row.request
end

-- at returns the request at a ring index.
function Network:at(index)
  local id = self.ring:get(index)
  return id and self.rows[id].request
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
