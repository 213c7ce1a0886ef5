-- A tiny HTTP server for the fixture pages, on libuv inside the test's own
-- Neovim (no Python, no extra process): testdata/fixtures/*.html, *.js and
-- *.js.map (the source-mapped app), plus
--   /data.json  200 {"n":42} (application/json)
--   /missing    404
--   /echo       200 "ok" (text/plain), what attach-tab.html fetches
-- "{{OTHER_ORIGIN}}" in a page becomes this server's origin on localhost,
-- another site than 127.0.0.1 (as the Go tests' fixture server does).
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

local function route(dir, path, port)
  path = path:gsub("[?#].*$", "")
  if path == "/data.json" then
    return response(200, "OK", types.json, '{"n":42}')
  end
  if path == "/echo" then
    return response(200, "OK", "text/plain", "ok")
  end
  local name = path:match("^/([%w%-_]+%.html)$")
  if name then
    local f = io.open(dir .. "/" .. name, "rb")
    if f then
      local body = f:read("*a")
      f:close()
      body = body:gsub("{{OTHER_ORIGIN}}", ("http://localhost:%d"):format(port))
      return response(200, "OK", types.html, body)
    end
  end
  local script = path:match("^/([%w%-_]+%.js)$") or path:match("^/([%w%-_]+%.js%.map)$")
  if script then
    local f = io.open(dir .. "/" .. script, "rb")
    if f then
      local body = f:read("*a")
      f:close()
      return response(200, "OK", script:match("%.map$") and types.json or types.js, body)
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
        c:write(route(dir, path, self.port), function()
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

-- request(port, method, path, ms) asks http://127.0.0.1:port/path (one
-- request), running the event loop until the answer (its Content-Length,
-- or the connection's end), for up to ms (default 10 s); it returns the
-- status and the body, or nil and an error.
function M.request(port, method, path, ms)
  local c = uv.new_tcp()
  local chunks, done, err = {}, false, nil
  local function finish(e)
    if done then
      return
    end
    done, err = true, e
    if not c:is_closing() then
      c:close()
    end
  end
  c:connect("127.0.0.1", port, function(cerr)
    if cerr then
      return finish(cerr)
    end
    c:write(("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"):format(
      method, path, port))
    c:read_start(function(rerr, data)
      if rerr then
        return finish(rerr)
      end
      if not data then
        return finish(nil)
      end
      chunks[#chunks + 1] = data
      -- A server that keeps the connection (Chrome's) is done at its
      -- Content-Length.
      local text = table.concat(chunks)
      local head_end = text:find("\r\n\r\n", 1, true)
      local length = head_end and tonumber(text:sub(1, head_end):lower():match("\r\ncontent%-length:%s*(%d+)"))
      if length and #text - head_end - 3 >= length then
        finish(nil)
      end
    end)
  end)
  if not vim.wait(ms or 10000, function()
    return done
  end, 10) then
    finish("timed out")
  end
  if err then
    return nil, ("%s %s: %s"):format(method, path, tostring(err))
  end
  local text = table.concat(chunks)
  local status = tonumber(text:match("^HTTP/%d%.%d (%d+)"))
  local head_end = text:find("\r\n\r\n", 1, true)
  if not status or not head_end then
    return nil, ("%s %s: not an HTTP answer: %q"):format(method, path, text:sub(1, 200))
  end
  local head, body = text:sub(1, head_end), text:sub(head_end + 4)
  if head:lower():find("transfer%-encoding: chunked") then
    local out, pos = {}, 1
    while true do
      local size_end = body:find("\r\n", pos, true)
      local size = size_end and tonumber(body:sub(pos, size_end - 1):match("^%x+"), 16)
      if not size or size == 0 then
        break
      end
      out[#out + 1] = body:sub(size_end + 2, size_end + 1 + size)
      pos = size_end + 2 + size + 2
    end
    body = table.concat(out)
  end
  return status, body
end

return M
