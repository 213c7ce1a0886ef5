-- A tiny HTTP server for the fixture pages, on libuv inside the test's own
-- Neovim (no Python, no extra process): testdata/fixtures/*.html, plus
--   /data.json  200 {"n":42} (application/json)
--   /missing    404
-- One request per connection (Connection: close). Callbacks run in libuv's
-- fast context: plain Lua and uv only.
local uv = vim.uv or vim.loop

local M = {}

local types = { html = "text/html; charset=utf-8", json = "application/json", js = "text/javascript" }

local function response(status, text, ctype, body)
  return table.concat({
    ("HTTP/1.1 %d %s"):format(status, text),
    "Content-Type: " .. ctype,
    "Content-Length: " .. #body,
    "Connection: close",
    "",
    body,
  }, "\r\n")
end

local function route(dir, path)
  path = path:gsub("[?#].*$", "")
  if path == "/data.json" then
    return response(200, "OK", types.json, '{"n":42}')
  end
  local name = path:match("^/([%w%-_]+%.html)$")
  if name then
    local f = io.open(dir .. "/" .. name, "rb")
    if f then
      local body = f:read("*a")
      f:close()
      return response(200, "OK", types.html, body)
    end
  end
  return response(404, "Not Found", "text/plain", "not found: " .. path)
end

-- start(dir) serves dir on a free port of 127.0.0.1; it returns the server
-- with url(path), paths (every path asked, in order) and close().
function M.start(dir)
  local server = uv.new_tcp()
  assert(server:bind("127.0.0.1", 0))
  local self = { paths = {}, conns = {} }
  assert(server:listen(64, function(err)
    if err then
      return
    end
    local c = uv.new_tcp()
    server:accept(c)
    self.conns[c] = true
    local buf = ""
    local function done()
      self.conns[c] = nil
      if not c:is_closing() then
        c:close()
      end
    end
    c:read_start(function(rerr, data)
      if rerr or not data then
        return done()
      end
      buf = buf .. data
      if buf:find("\r\n\r\n", 1, true) then
        c:read_stop()
        local path = buf:match("^%u+ (%S+)") or "/"
        table.insert(self.paths, path)
        c:write(route(dir, path), function()
          c:shutdown(done)
        end)
      end
    end)
  end))
  self.port = server:getsockname().port
  function self.url(path)
    return ("http://127.0.0.1:%d/%s"):format(self.port, (path:gsub("^/", "")))
  end
  function self.close()
    for c in pairs(self.conns) do
      if not c:is_closing() then
        c:close()
      end
    end
    if not server:is_closing() then
      server:close()
    end
  end
  return self
end

return M
