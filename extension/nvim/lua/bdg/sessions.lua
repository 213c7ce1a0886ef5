-- The sessions this editor knows, by name, and which one commands act on
-- when none is named (the last started or attached, else the `session`
-- option). Event notifications are routed here by their `session`.
local compat = require("bdg.util.compat")
local config = require("bdg.config")
local notify = require("bdg.util.notify")
local session = require("bdg.session")

local M = {}

local sessions = {} -- name -> Session
local current = nil

function M.get(name)
  return sessions[name]
end

-- ensure returns the session named name, creating it.
function M.ensure(name)
  local s = sessions[name]
  if not s then
    s = session.new(name)
    sessions[name] = s
  end
  return s
end

-- name resolves a command's session argument.
function M.name(arg)
  if arg and arg ~= "" then
    return arg
  end
  return current or config.get("session")
end

function M.set_current(name)
  current = name
end

-- current returns the session commands act on when none is named, if one
-- was started or attached (else nil: the `session` option).
function M.current()
  return current
end

function M.all()
  local out = {}
  for _, s in pairs(sessions) do
    out[#out + 1] = s
  end
  table.sort(out, function(a, b)
    return a.name < b.name
  end)
  return out
end

-- dispatch applies an event notification to its session and tells the
-- user what deserves telling (a session's end, dropped events). via says
-- where it came from ("serve" or "socket"): a session takes its events
-- from one route only, the one it was started or attached through.
function M.dispatch(method, params, via)
  local name = compat.value(params.session)
  if type(name) ~= "string" then
    return
  end
  local s = M.ensure(name)
  if via and s.via and s.via ~= via then
    return
  end
  local what = s:apply(method, params)
  if what == "ended" then
    local reason = compat.value(params.reason) or "unknown"
    local msg = ("session %s ended (%s)"):format(name, reason)
    if compat.value(params.error) then
      notify.warn(msg .. ": " .. tostring(compat.value(params.error)))
    elseif reason ~= "stopped" then
      notify.warn(msg)
    end
  elseif what == "dropped" then
    notify.warn(("session %s: %s events were not delivered (seq %s-%s): this client fell behind; "
      .. "the items are still in the session's lists if it kept them"):format(name, tostring(compat.value(params.count)),
      tostring(compat.value(params.fromSeq)), tostring(compat.value(params.toSeq))))
  end
end

return M
