-- A transport over a child process's stdio, started with jobstart: the
-- backend, `bdg-rpc serve`.
local framing = require("bdg.rpc.framing")

local M = {}

local Job = {}
Job.__index = Job

-- How many of the child's last stderr lines are kept, to explain a crash.
local STDERR_KEEP = 40

-- spawn(cmd, handlers) starts cmd (a list) and returns the transport, or
-- nil and an error message. handlers:
--   on_line(line)        a line of stdout
--   on_close(code, tail) the process exited; tail: its last stderr lines
--   on_error(msg)        a framing problem
function M.spawn(cmd, handlers)
  local self = setmetatable({ stderr = {}, closed = false, exited = false }, Job)
  local out = framing.new(handlers.on_line, { on_error = handlers.on_error })
  local err = framing.new(function(line)
    local tail = self.stderr
    tail[#tail + 1] = line
    if #tail > STDERR_KEEP then
      table.remove(tail, 1)
    end
  end)
  local ok, id = pcall(vim.fn.jobstart, cmd, {
    on_stdout = function(_, data)
      if #data == 1 and data[1] == "" then
        out:finish() -- EOF
      else
        out:feed_list(data)
      end
    end,
    on_stderr = function(_, data)
      err:feed_list(data)
    end,
    on_exit = function(_, code)
      out:finish()
      err:finish()
      self.exited = true
      self.closed = true
      if handlers.on_close then
        handlers.on_close(code, self.stderr)
      end
    end,
  })
  if not ok then
    return nil, tostring(id)
  end
  if id == 0 then
    return nil, "invalid arguments"
  end
  if id == -1 then
    return nil, ("%s is not executable"):format(cmd[1])
  end
  self.id = id
  return self
end

-- send writes one framed line; it returns false once the process is gone.
function Job:send(line)
  if self.closed then
    return false
  end
  local ok, n = pcall(vim.fn.chansend, self.id, line)
  return ok and n > 0
end

-- close ends the process's stdin: the backend exits on EOF.
function Job:close()
  if not self.closed then
    self.closed = true
    pcall(vim.fn.chanclose, self.id, "stdin")
  end
end

-- kill stops the process now.
function Job:kill()
  self.closed = true
  if not self.exited then
    pcall(vim.fn.jobstop, self.id)
  end
end

-- wait blocks until the process exits or timeout_ms pass; true if it exited.
function Job:wait(timeout_ms)
  if self.exited then
    return true
  end
  local r = vim.fn.jobwait({ self.id }, timeout_ms)[1]
  return r ~= -1
end

function Job:pid()
  local ok, pid = pcall(vim.fn.jobpid, self.id)
  return ok and pid or nil
end

return M
