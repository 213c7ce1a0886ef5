-- A transport over a Unix socket with a libuv pipe: a session worker's
-- worker.sock, or `bdg-rpc serve --listen PATH`.
local compat = require("bdg.util.compat")
local framing = require("bdg.rpc.framing")

local uv = compat.uv

local M = {}

local Pipe = {}
Pipe.__index = Pipe

-- connect(path, handlers, on_connect) connects to the socket at path.
-- handlers are those of rpc.job (on_line, on_close, on_error);
-- on_connect(err) runs once, with nil on success or an error message.
-- Every callback runs on the main loop, in arrival order.
function M.connect(path, handlers, on_connect)
  local self = setmetatable({ closed = false, exited = false }, Pipe)
  local handle = uv.new_pipe(false)
  self.handle = handle
  -- libuv calls back in a fast context where the API is off limits: lines
  -- are framed there and handed to the main loop in order.
  local out = framing.new(function(line)
    vim.schedule(function()
      handlers.on_line(line)
    end)
  end, {
    on_error = function(msg)
      vim.schedule(function()
        if handlers.on_error then
          handlers.on_error(msg)
        end
      end)
    end,
  })
  local function finish(reason)
    if self.exited then
      return
    end
    self.exited, self.closed = true, true
    out:finish()
    if not handle:is_closing() then
      handle:close()
    end
    vim.schedule(function()
      if handlers.on_close then
        handlers.on_close(reason, {})
      end
    end)
  end
  handle:connect(path, function(err)
    if err then
      self.exited, self.closed = true, true
      if not handle:is_closing() then
        handle:close()
      end
      vim.schedule(function()
        on_connect(("cannot connect to %s: %s"):format(path, err))
      end)
      return
    end
    handle:read_start(function(rerr, data)
      if rerr then
        finish(rerr)
      elseif data then
        out:feed_bytes(data)
      else
        finish(0) -- EOF
      end
    end)
    vim.schedule(function()
      on_connect(nil)
    end)
  end)
  self.finish = finish
  return self
end

function Pipe:send(line)
  if self.closed then
    return false
  end
  local ok = pcall(self.handle.write, self.handle, line)
  return ok
end

function Pipe:close()
  if not self.closed then
    self.closed = true
    self.finish(0)
  end
end

Pipe.kill = Pipe.close

function Pipe.wait()
  return true
end

return M
