-- Direct connections to session workers (:BdgAttach!): the worker's
-- worker.sock speaks the same protocol as the backend, without the
-- lifecycle; events/subscribe starts the events.
local client = require("bdg.rpc.client")
local compat = require("bdg.util.compat")
local config = require("bdg.config")
local notify = require("bdg.util.notify")
local pipe = require("bdg.rpc.pipe")
local sessions = require("bdg.sessions")

local M = {}

-- path finds a session's socket: session.meta.json records it (it is
-- elsewhere when $BDG_HOME is deep), else it is worker.sock.
function M.path(name)
  local dir = ("%s/sessions/%s"):format(config.get("bdg_home"), name)
  local meta = dir .. "/session.meta.json"
  if vim.fn.filereadable(meta) == 1 then
    local ok, lines = pcall(vim.fn.readfile, meta)
    if ok then
      local m = compat.json_decode(table.concat(lines, "\n"))
      if type(m) == "table" and type(compat.value(m.socketPath)) == "string" then
        return m.socketPath
      end
    end
  end
  return dir .. "/worker.sock"
end

-- connect(s, cb) connects session s to its worker and subscribes to its
-- events from the first one retained; cb(err, subscribe_result).
function M.connect(s, cb)
  local path = M.path(s.name)
  local c
  c = client.new({
    name = ("the worker of session %s"):format(s.name),
    on_notification = function(method, params)
      if s.socket == c then -- not from a connection since replaced
        sessions.dispatch(method, params, "socket")
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
    c:request("events/subscribe", { since = 0 }, function(serr, result)
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
