-- The backend: one `bdg-rpc serve` per editor, spawned on first use,
-- initialized like a language server, its notifications routed to the
-- sessions, and shut down (shutdown, exit, stdin closed) when no longer
-- needed or when Neovim exits. Sessions keep running when it exits.
local client = require("bdg.rpc.client")
local config = require("bdg.config")
local job = require("bdg.rpc.job")
local notify = require("bdg.util.notify")
local protocol = require("bdg.protocol")
local sessions = require("bdg.sessions")

local method, notification = protocol.method, protocol.notification

local M = {}

M.CLIENT_INFO = { name = "bdg.nvim", version = "0.1.0" }
M.PROTOCOL_VERSION = "1"

local state = {
  status = "down", -- down | starting | ready (of the current process)
  client = nil, -- the current process's rpc client
  transport = nil,
  waiters = {}, -- callbacks waiting for ready
  server_info = nil,
}

local PATH_HINT = "put bdg-rpc on PATH, or set g:bdg_path or require('bdg').setup({ path = ... })"
  .. " (make build puts it in bin/bdg-rpc)"

local function command()
  local path = vim.fn.expand(config.get("path"))
  local cmd = { path, "serve" }
  local log = config.get("log_file")
  if log then
    vim.list_extend(cmd, { "--log-file", vim.fn.expand(log) })
  end
  return cmd
end

local function finish_waiters(err)
  local waiters = state.waiters
  state.waiters = {}
  for _, cb in ipairs(waiters) do
    cb(err, err == nil and state.client or nil)
  end
end

local function on_notification(name, params)
  if name == notification.progress then
    local kind = params.kind
    if kind == "begin" then
      notify.progress(params.title or ("starting " .. tostring(params.session)))
    elseif kind == "report" and params.message then
      notify.progress(("%s: %s"):format(tostring(params.session), params.message))
    elseif kind == "end" then
      notify.progress(("%s: ready"):format(tostring(params.session)))
    end
    return
  end
  sessions.dispatch(name, params, "serve")
end

-- The sessions that went through this backend lose their events when it
-- exits; their workers run on.
local function detach_sessions()
  for _, s in ipairs(sessions.all()) do
    if s.via == "serve" and s:is_live() then
      s:set_state("detached")
    end
  end
end

-- last_words renders how a process ended, with its last stderr lines.
local function last_words(code, tail)
  local msg = ("bdg-rpc serve exited (status %s)"):format(tostring(code))
  local last = {}
  for i = math.max(1, #tail - 4), #tail do
    last[#last + 1] = tail[i]
  end
  if #last > 0 then
    msg = msg .. ":\n" .. table.concat(last, "\n")
  end
  return msg
end

-- spawn starts a process and makes it the current one.
local function spawn()
  local c
  c = client.new({
    name = "bdg-rpc serve",
    on_notification = function(name, params)
      -- A replaced process may still have lines in flight: old events
      -- would be taken for new ones (their seq numbers, for instance).
      if state.client == c then
        on_notification(name, params)
      end
    end,
    on_close = function(code, tail)
      if state.client ~= c then
        return -- an earlier process, already replaced
      end
      state.status, state.client, state.transport = "down", nil, nil
      detach_sessions()
      if c.expected_exit then
        return
      end
      notify.error("backend", last_words(code, tail), "sessions keep running: :BdgAttach [session] rejoins one")
    end,
    on_protocol_error = function(msg)
      notify.warn(msg)
    end,
  })
  local cmd = command()
  local transport, err = job.spawn(cmd, c:handlers())
  if not transport then
    return nil, {
      message = ("cannot run %s: %s"):format(table.concat(cmd, " "), err),
      data = { hint = PATH_HINT },
    }
  end
  c:attach(transport)
  state.client, state.transport, state.status = c, transport, "starting"
  c:request(method.initialize, {
    processId = vim.fn.getpid(),
    clientInfo = M.CLIENT_INFO,
    protocolVersion = M.PROTOCOL_VERSION,
  }, function(ierr, result)
    if state.client ~= c then
      return
    end
    if ierr then
      if c.exit_code ~= nil then -- it died: say how, not just "not running"
        ierr = {
          message = last_words(c.exit_code, c.stderr_tail),
          data = { hint = "is " .. cmd[1] .. " a bdg-rpc with `serve`? " .. PATH_HINT },
        }
      end
      finish_waiters(ierr)
      return M.kill()
    end
    result = result or {}
    state.server_info = result.serverInfo
    if result.protocolVersion ~= M.PROTOCOL_VERSION then
      notify.warn(("bdg-rpc serve speaks protocol %s; this plugin was written for %s"):format(
        tostring(result.protocolVersion), M.PROTOCOL_VERSION))
    end
    c:notify(notification.initialized, vim.empty_dict())
    state.status = "ready"
    finish_waiters(nil)
  end)
  return c
end

-- ensure calls cb(err, client) once the backend is ready, spawning it
-- when it is not running.
function M.ensure(cb)
  if state.status == "ready" then
    return cb(nil, state.client)
  end
  table.insert(state.waiters, cb)
  if state.status == "starting" then
    return
  end
  local _, err = spawn()
  if err then
    finish_waiters(err)
  end
end

-- request(name, params, cb) calls the backend's method name, spawning it
-- if need be.
function M.request(name, params, cb)
  M.ensure(function(err, c)
    if err then
      return cb(err, nil)
    end
    c:request(name, params, cb)
  end)
end

function M.is_running()
  return state.status ~= "down"
end

-- client returns the current process's rpc client, if any (for scripts).
function M.client()
  return state.client
end

function M.info()
  return { status = state.status, server_info = state.server_info, pid = state.transport and state.transport:pid() }
end

-- detach makes the current process no longer current: its exit is
-- expected, and the next request spawns a new one.
local function detach()
  local c, transport, was = state.client, state.transport, state.status
  if c then
    c.expected_exit = true
  end
  state.status, state.client, state.transport = "down", nil, nil
  detach_sessions()
  if was == "starting" then
    finish_waiters({ message = "bdg-rpc serve was stopped while starting", data = {} })
  end
  return c, transport
end

-- kill stops the process at once.
function M.kill()
  local _, transport = detach()
  if transport then
    transport:kill()
  end
end

-- shutdown ends the backend politely: shutdown, exit, stdin closed; the
-- process is killed if it is still there after a grace period.
function M.shutdown(cb)
  cb = cb or function() end
  local ready = state.status == "ready"
  local c, transport = detach()
  if not transport then
    return cb()
  end
  if not ready then
    transport:kill()
    return cb()
  end
  c:request(method.shutdown, nil, function()
    c:notify(notification.exit, vim.empty_dict())
    c:close()
    vim.defer_fn(function()
      if not transport.exited then
        transport:kill()
      end
    end, 2000)
    cb()
  end)
end

-- shutdown_sync is shutdown for VimLeavePre: it waits, a second or two at
-- most, so that nothing is left running when Neovim exits.
function M.shutdown_sync()
  local ready = state.status == "ready"
  local c, transport = detach()
  if not transport then
    return
  end
  if ready then
    c:request_sync(method.shutdown, nil, 1000)
    c:notify(notification.exit, vim.empty_dict())
  end
  transport:close()
  if not transport:wait(1000) then
    transport:kill()
    transport:wait(500)
  end
end

return M
