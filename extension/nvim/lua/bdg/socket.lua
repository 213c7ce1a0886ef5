-- Direct connections to session workers (:BdgAttach!): the worker's
-- socket speaks the same protocol as the backend, without the lifecycle;
-- events/subscribe starts the events. Where the socket is, the backend
-- says (session/status's socketPath): its place on disk is the Go side's
-- business (it moves out of $BDG_HOME when that is deep).
local backend = require("bdg.backend")
local client = require("bdg.rpc.client")
local compat = require("bdg.util.compat")
local notify = require("bdg.util.notify")
local pipe = require("bdg.rpc.pipe")
local protocol = require("bdg.protocol")
local sessions = require("bdg.sessions")

local v = compat.value
local method = protocol.method

local M = {}

-- no_socket is the error for a session whose status has no socketPath.
local function no_socket(name, st)
  local state = tostring(v(st.state) or "unknown")
  local hint
  if state == "starting" then
    hint = ("its worker is still starting: :BdgAttach! %s again in a moment, or :BdgAttach %s"):format(name, name)
  elseif v(st.stale) and state == "running" then
    hint = ("its worker does not answer: :BdgStatus %s, and its log: bdg-rpc logs --session %s"):format(name, name)
  else
    hint = ("no worker runs for it: start it with :BdgStart, or :BdgStatus %s shows what it left"):format(name)
  end
  return {
    message = ("session %s is %s: there is no worker socket to connect to"):format(name, state),
    data = { kind = "no_session", hint = hint },
  }
end

-- path(name, cb) asks the backend (spawned if need be) for session name's
-- socket: cb(nil, path), or cb(err) when there is none.
function M.path(name, cb)
  backend.request(method.session_status, { session = name }, function(err, st)
    if err then
      return cb(err)
    end
    st = st or {}
    local path = v(st.socketPath)
    if type(path) ~= "string" or path == "" then
      return cb(no_socket(name, st))
    end
    cb(nil, path)
  end)
end

-- connect(s, from, cb) connects session s to its worker and subscribes to
-- its events: from is events/subscribe's params, {since, epoch?} (since 0:
-- from the first one retained); cb(err, subscribe_result).
function M.connect(s, from, cb)
  M.path(s.name, function(err, path)
    if err then
      return cb(err)
    end
    M.connect_path(s, path, from, cb)
  end)
end

-- connect_path(s, path, from, cb) is connect, to the socket at path.
function M.connect_path(s, path, from, cb)
  local c
  c = client.new({
    name = ("the worker of session %s"):format(s.name),
    on_notification = function(name, params)
      if s.socket == c then -- not from a connection since replaced
        sessions.dispatch(name, params, "socket")
      end
    end,
    on_close = function()
      if s.socket ~= c then
        return
      end
      s.socket = nil
      if s:is_live() then
        s:set_state("detached")
        if not c.expected_exit then
          notify.warn(("lost the connection to session %s's worker: :BdgAttach! %s reconnects"):format(s.name, s.name))
        end
      end
    end,
    on_protocol_error = notify.warn,
  })
  c.close_hint = "is the session running? :BdgStatus " .. s.name
  local transport
  transport = pipe.connect(path, c:handlers(), function(err)
    if err then
      return cb({
        message = err,
        data = { kind = "no_session", hint = ("no worker listens for session %s: start it with :BdgStart"):format(s.name) },
      })
    end
    c:attach(transport)
    M.close(s)
    s.socket = c
    c:request(method.events_subscribe, from or { since = 0 }, function(serr, result)
      if serr then
        M.close(s)
      end
      cb(serr, result)
    end)
  end)
end

-- close drops a session's direct connection, if it has one.
function M.close(s)
  local c = s.socket
  if c then
    s.socket = nil
    c.expected_exit = true
    c:close()
  end
end

return M
