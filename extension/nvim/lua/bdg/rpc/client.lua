-- A JSON-RPC 2.0 client over a line transport (rpc.job or rpc.pipe):
-- numbered requests matched to their responses, notifications handed on,
-- requests from the peer refused, and every error in one shape:
--   {code, message, data = {kind?, hint?}}
-- except those of the client's own making, which the peer never sent and
-- so carry no JSON-RPC code, but a kind of their own:
--   {kind = "connection_closed", closed = true, message, data = {hint}}
--   {kind = "timeout", message, data = {}}              (request_sync)
local compat = require("bdg.util.compat")
local framing = require("bdg.rpc.framing")
local protocol = require("bdg.protocol")

local M = {}

-- The JSON-RPC codes the client itself uses.
local METHOD_NOT_FOUND = protocol.code.method_not_found
local INTERNAL_ERROR = protocol.code.internal_error

-- The kind of the error of a call that never got an answer because the
-- connection closed (or was never open).
M.CONNECTION_CLOSED = "connection_closed"

-- is_closed tells whether err is that error.
function M.is_closed(err)
  return type(err) == "table" and err.kind == M.CONNECTION_CLOSED
end

local Client = {}
Client.__index = Client

-- new(opts) makes a client with no transport yet; opts:
--   name                       for messages ("bdg-rpc serve")
--   on_notification(method, params)
--   on_close(code, stderr_tail)
--   on_protocol_error(msg)     a line that is not a message for us
function M.new(opts)
  return setmetatable({
    name = opts.name or "bdg-rpc",
    on_notification = opts.on_notification or function() end,
    on_close = opts.on_close or function() end,
    on_protocol_error = opts.on_protocol_error or function() end,
    next_id = 1,
    pending = {}, -- id -> {method, cb}
    closed = false,
  }, Client)
end

-- handlers returns the callbacks to give the transport.
function Client:handlers()
  return {
    on_line = function(line)
      self:handle_line(line)
    end,
    on_close = function(code, tail)
      self:_closed(code, tail)
    end,
    on_error = function(msg)
      self.on_protocol_error(msg)
    end,
  }
end

function Client:attach(transport)
  self.transport = transport
end

local function safe_call(what, fn, ...)
  local ok, err = xpcall(fn, debug.traceback, ...)
  if not ok then
    vim.notify(("bdg: error in %s: %s"):format(what, err), vim.log.levels.ERROR)
  end
end

-- normalize_error turns a response's error (or nothing) into the one shape.
function M.normalize_error(e)
  if type(e) ~= "table" then
    return { code = INTERNAL_ERROR, message = tostring(e), data = {} }
  end
  local data = compat.value(e.data)
  if type(data) ~= "table" then
    data = {}
  end
  return {
    code = compat.value(e.code) or INTERNAL_ERROR,
    message = compat.value(e.message) or "unknown error",
    data = { kind = compat.value(data.kind), hint = compat.value(data.hint) },
  }
end

function Client:handle_line(line)
  local msg, err = compat.json_decode(line)
  if type(msg) ~= "table" or msg[1] ~= nil then
    self.on_protocol_error(("%s sent a line that is not a JSON-RPC message (%s): %s"):format(
      self.name, err or "not an object", line:sub(1, 200)))
    return
  end
  local id = compat.value(msg.id)
  local method = compat.value(msg.method)
  if type(method) == "string" then
    local params = compat.value(msg.params) or {}
    if id ~= nil then
      -- The protocol has no server-to-client requests: refuse politely.
      self:_send({
        jsonrpc = "2.0",
        id = id,
        error = { code = METHOD_NOT_FOUND, message = "Method not found: " .. method },
      })
      return
    end
    safe_call("notification " .. method, self.on_notification, method, params)
    return
  end
  if id == nil then
    -- An answer to something the peer could not parse: nothing to resume.
    local e = M.normalize_error(msg.error)
    self.on_protocol_error(("%s could not read a message: %s"):format(self.name, e.message))
    return
  end
  local call = self.pending[id]
  if not call then
    self.on_protocol_error(("%s answered an unknown request id %s"):format(self.name, tostring(id)))
    return
  end
  self.pending[id] = nil
  if msg.error ~= nil and msg.error ~= vim.NIL then
    safe_call("the answer to " .. call.method, call.cb, M.normalize_error(msg.error), nil)
  else
    safe_call("the answer to " .. call.method, call.cb, nil, compat.value(msg.result))
  end
end

function Client:_send(msg)
  if self.closed or not self.transport then
    return false
  end
  return self.transport:send(framing.encode(msg))
end

-- closed_error is what a call gets when it cannot have an answer: not an
-- error of the peer, so no code (kind, not data.kind: it is not one of the
-- protocol's kinds, and messages show data.kind).
local function closed_error(self)
  return {
    kind = M.CONNECTION_CLOSED,
    closed = true,
    message = self.name .. " is not running",
    data = { hint = self.close_hint or "run the command again to restart it" },
  }
end

-- request(method, params, cb) calls method; cb(err, result) runs once.
-- It returns the request id, or nil when the connection is closed (cb has
-- then already been called with the error).
function Client:request(method, params, cb)
  cb = cb or function() end
  local id = self.next_id
  self.next_id = id + 1
  self.pending[id] = { method = method, cb = cb }
  if not self:_send({ jsonrpc = "2.0", id = id, method = method, params = params or vim.empty_dict() }) then
    self.pending[id] = nil
    cb(closed_error(self), nil)
    return nil
  end
  return id
end

-- request_sync waits (running the event loop) for the answer, at most
-- timeout_ms; it returns err, result. Meant for VimLeavePre, where there
-- is no later.
function Client:request_sync(method, params, timeout_ms)
  local done, e, r = false, nil, nil
  self:request(method, params, function(err, result)
    done, e, r = true, err, result
  end)
  if not vim.wait(timeout_ms, function()
    return done
  end, 10) then
    return { kind = "timeout", message = method .. ": no answer within " .. timeout_ms .. " ms", data = {} }, nil
  end
  return e, r
end

function Client:notify(method, params)
  return self:_send({ jsonrpc = "2.0", method = method, params = params or vim.empty_dict() })
end

-- cancel asks the peer to give up a call ($/cancelRequest).
function Client:cancel(id)
  if id then
    self:notify(protocol.notification.cancel_request, { id = id })
  end
end

function Client:_closed(code, tail)
  if self.closed_reported then
    return
  end
  self.closed, self.closed_reported = true, true
  self.exit_code, self.stderr_tail = code, tail or {}
  local pending = self.pending
  self.pending = {}
  local ids = vim.tbl_keys(pending)
  table.sort(ids)
  for _, id in ipairs(ids) do
    safe_call("the answer to " .. pending[id].method, pending[id].cb, closed_error(self), nil)
  end
  safe_call("closing " .. self.name, self.on_close, code, tail or {})
end

-- close closes the connection (stdin of a process, or the socket).
function Client:close()
  self.closed = true
  if self.transport then
    self.transport:close()
  end
end

function Client:is_open()
  return not self.closed
end

return M
