-- A session as this client sees it: its console and network stores, the
-- last event seen and the run (epoch) it belongs to, its state, and who to
-- ask about it (the backend, or the worker's socket). Events are applied in
-- seq order; repeats (after a re-attach) are ignored; those it does not
-- know are skipped. Views subscribe to changes.
--
-- A WebSocket is a row of the network store like any request
-- (network/websocket replaces it); its frames (websocket/frame), and an
-- EventSource's messages (eventsource/message), are counted on its row.
-- The targets of the page (target/attached, target/detached) are counted
-- by type: targets.live (id -> type) and targets.ended (type -> count).
--
-- Each start of a session is a run, with an epoch of its own, whose seqs
-- start again at 1. A re-attach passes the last seq seen with its epoch
-- (resume_point); when the session was started again meanwhile, the answer
-- says reset and what is held here goes before the new run's events come,
-- from its first (joined).
local compat = require("bdg.util.compat")
local config = require("bdg.config")
local console = require("bdg.store.console")
local network = require("bdg.store.network")
local protocol = require("bdg.protocol")

local v = compat.value
local notification = protocol.notification

local M = {}

-- Targets followed at once that a session remembers: the worker follows at
-- most 256; beyond this, one is only counted when it goes.
local MAX_LIVE_TARGETS = 1024

local Session = {}
Session.__index = Session

-- States of a session here (the worker's own are in session/status):
--   idle      nothing started or attached from this editor
--   starting  session/start is under way
--   running   its events flow to us
--   stopping  session/stop is under way
--   detached  we lost the connection; the worker may still run
--   ended     session/ended arrived (or session/stop answered)
function M.new(name)
  local self = setmetatable({ name = name, gen = 0, listeners = {}, next_listener = 1 }, Session)
  self:reset()
  self.state = "idle"
  return self
end

-- reset forgets everything captured: a new run of the session, or a
-- re-attach from its first event.
function Session:reset()
  local max = config.get("max_lines")
  self.gen = self.gen + 1
  self.console = console.new(max)
  self.network = network.new(max)
  self.targets = { live = {}, nlive = 0, ended = {} }
  self.frames = 0 -- WebSocket frames and EventSource messages seen
  self.last_seq = 0
  self.epoch = nil -- the run last_seq belongs to, once a start or an attach said
  self.ended = nil
  self.info = nil -- session/start's result or session/attach's status
  self:_emit("reset")
end

-- resume_point returns since and epoch for a re-attach that goes on where
-- this session's events stopped, or nil when there is nothing to go on
-- from (no run known: attach from the first retained event instead).
function Session:resume_point()
  if type(self.epoch) == "string" and self.epoch ~= "" then
    return self.last_seq, self.epoch
  end
  return nil
end

-- joined takes in the result of session/start, session/attach or
-- events/subscribe: the run the events now come from. When it says reset
-- (the epoch passed was another run's: the session was started again), the
-- old run's entries, rows and last seq go at once, before any event of the
-- new run, which follow from its first. It returns true after a reset.
function Session:joined(result)
  result = result or {}
  local reset = v(result.reset) == true
  if reset then
    self:reset()
  end
  local epoch = v(result.epoch)
  if type(epoch) == "string" and epoch ~= "" then
    self.epoch = epoch
  end
  return reset
end

-- on_change(fn) calls fn(what) after each change, what being "console",
-- "network", "targets", "reset", "ended" or "state"; it returns an
-- unsubscribe function.
function Session:on_change(fn)
  local key = self.next_listener
  self.next_listener = key + 1
  self.listeners[key] = fn
  return function()
    self.listeners[key] = nil
  end
end

function Session:_emit(what)
  for _, fn in pairs(self.listeners) do
    fn(what)
  end
end

function Session:set_state(state)
  if self.state ~= state then
    self.state = state
    self:_emit("state")
  end
end

function Session:is_live()
  return self.state == "starting" or self.state == "running" or self.state == "stopping"
end

-- mark_ended records the end of the session once, from session/ended or
-- from session/stop's result, whichever comes first.
function Session:mark_ended(info)
  if self.ended then
    return false
  end
  self.ended = info
  self.console:add({
    kind = "ended",
    reason = v(info.reason),
    outputPath = v(info.outputPath),
    error = v(info.error),
  })
  self:set_state("ended")
  self:_emit("ended")
  return true
end

local network_events = {
  [notification.network_request] = true,
  [notification.network_response] = true,
  [notification.network_finished] = true,
  [notification.network_failed] = true,
  [notification.network_websocket] = true,
}

local stream_events = {
  [notification.websocket_frame] = "frame",
  [notification.eventsource_message] = "message",
}

-- target_counts returns the targets followed now and those gone, by type.
function Session:target_counts()
  local live = {}
  for _, kind in pairs(self.targets.live) do
    live[kind] = (live[kind] or 0) + 1
  end
  return live, vim.deepcopy(self.targets.ended)
end

function Session:_target(method, t)
  t = v(t)
  local id = type(t) == "table" and v(t.id)
  if type(id) ~= "string" then
    return nil
  end
  local kind = v(t.type)
  kind = type(kind) == "string" and kind or "unknown"
  local targets = self.targets
  if method == notification.target_attached then
    if targets.live[id] == nil and targets.nlive < MAX_LIVE_TARGETS then
      targets.live[id] = kind
      targets.nlive = targets.nlive + 1
    end
  else
    if targets.live[id] ~= nil then
      targets.live[id] = nil
      targets.nlive = targets.nlive - 1
    end
    targets.ended[kind] = (targets.ended[kind] or 0) + 1
  end
  self:_emit("targets")
  return "targets"
end

-- apply takes one event notification; it returns what changed, or nil.
function Session:apply(method, params)
  local seq = tonumber(v(params.seq))
  if seq then
    if seq <= self.last_seq then
      return nil -- seen already
    end
    self.last_seq = seq
  end
  if method == notification.console_message then
    if type(params.message) == "table" then
      self.console:add({ kind = "message", message = params.message })
      self:_emit("console")
      return "console"
    end
  elseif network_events[method] then
    if type(params.request) == "table" then
      self.network:upsert(params.request)
      self:_emit("network")
      return "network"
    end
  elseif stream_events[method] then
    local item = v(params[stream_events[method]])
    if type(item) == "table" then
      self.frames = self.frames + 1
      if self.network:count_stream(v(item.requestId)) then
        self:_emit("network")
        return "network"
      end
    end
  elseif method == notification.target_attached or method == notification.target_detached then
    return self:_target(method, params.target)
  elseif method == notification.page_navigated then
    if type(params.navigation) == "table" then
      self.console:add({ kind = "navigation", navigation = params.navigation })
      self:_emit("console")
      return "console"
    end
  elseif method == notification.events_dropped then
    self.console:add({ kind = "dropped", count = params.count, fromSeq = params.fromSeq, toSeq = params.toSeq })
    self:_emit("console")
    return "dropped"
  elseif method == notification.session_ended then
    if self:mark_ended(params) then
      return "ended"
    end
  end
  return nil
end

return M
