-- Text of the buffers: one line per console entry, one line per request,
-- and the lines of a request's or a message's details. Pure functions.
local compat = require("bdg.util.compat")
local hl = require("bdg.ui.highlight")

local M = {}

local v = compat.value

-- one_line makes text fit on a buffer line: newlines shown as ⏎.
local function one_line(s)
  s = tostring(s or "")
  if s:find("[\r\n]") then
    s = s:gsub("\r\n", "\n"):gsub("[\r\n]", " ⏎ ")
  end
  return s
end
M.one_line = one_line

-- split_lines cuts text into buffer lines.
local function split_lines(s)
  s = tostring(s or ""):gsub("\r\n", "\n")
  return vim.split(s, "[\r\n]")
end
M.split_lines = split_lines

-- clock renders ms since the epoch as local HH:MM:SS.mmm.
function M.clock(ms)
  ms = tonumber(v(ms))
  if not ms then
    return "--:--:--.---"
  end
  local s = math.floor(ms / 1000)
  return os.date("%H:%M:%S", s) .. (".%03d"):format(math.floor(ms - s * 1000))
end

function M.duration(ms)
  ms = tonumber(v(ms))
  if not ms then
    return ""
  end
  if ms < 1000 then
    return ("%d ms"):format(math.floor(ms + 0.5))
  end
  return ("%.2f s"):format(ms / 1000)
end

function M.bytes(n)
  n = tonumber(v(n))
  if not n then
    return ""
  end
  if n < 1024 then
    return ("%d B"):format(n)
  elseif n < 1024 * 1024 then
    return ("%.1f KiB"):format(n / 1024)
  end
  return ("%.1f MiB"):format(n / 1024 / 1024)
end

-- The short tags of the targets that are not the watched page itself.
local target_tags = {
  iframe = "iframe",
  worker = "worker",
  shared_worker = "shared",
  service_worker = "sw",
  popup = "popup",
}

-- target_tag gives "[worker]", "[iframe]", "[sw]", "[shared]" or "[popup]":
-- where a record came from, when not from the watched page itself; "" for
-- the page's own, and for a record without a target.
function M.target_tag(t)
  t = v(t)
  local kind = type(t) == "table" and v(t.type) or nil
  if type(kind) ~= "string" or kind == "page" then
    return ""
  end
  return "[" .. (target_tags[kind] or kind) .. "]"
end

-- target_text gives "worker http://h/w.js (id 1A2B)", or nil.
function M.target_text(t)
  t = v(t)
  if type(t) ~= "table" then
    return nil
  end
  local parts = {}
  for _, s in ipairs({ v(t.type), v(t.url) and one_line(v(t.url)), v(t.id) and ("(id %s)"):format(v(t.id)) }) do
    if s and s ~= "" then
      parts[#parts + 1] = tostring(s)
    end
  end
  return #parts > 0 and table.concat(parts, " ") or nil
end

local function tagged(tag, s)
  return tag ~= "" and (tag .. " " .. s) or s
end

-- The target types in the order counts show them; others follow, sorted.
local target_order = { "page", "iframe", "worker", "shared_worker", "service_worker", "popup" }

-- target_counts renders counts of targets by type, those followed now and
-- those gone: "targets: 1 page, 2 worker; gone: 1 popup", or nil when
-- there are none.
function M.target_counts(live, ended)
  local function render(counts)
    counts = v(counts)
    if type(counts) ~= "table" then
      return ""
    end
    local kinds, seen = {}, {}
    for _, kind in ipairs(target_order) do
      seen[kind] = true
      kinds[#kinds + 1] = kind
    end
    local others = {}
    for kind in pairs(counts) do
      if type(kind) == "string" and not seen[kind] then
        others[#others + 1] = kind
      end
    end
    table.sort(others)
    vim.list_extend(kinds, others)
    local parts = {}
    for _, kind in ipairs(kinds) do
      local n = tonumber(v(counts[kind])) or 0
      if n > 0 then
        parts[#parts + 1] = ("%d %s"):format(n, kind)
      end
    end
    return table.concat(parts, ", ")
  end
  local now, gone = render(live), render(ended)
  if now == "" and gone == "" then
    return nil
  end
  return ("targets: %s%s"):format(now ~= "" and now or "none", gone ~= "" and ("; gone: " .. gone) or "")
end

-- where gives "file:line" of a url and line, or "".
local function where(url, line)
  url = v(url)
  if not url or url == "" then
    return ""
  end
  local file = url:match("([^/]+)/?$") or url
  file = file:gsub("[?#].*$", "")
  line = v(line)
  return line and ("%s:%d"):format(file, line) or file
end

-- console_entry returns the line of a console store entry and its group.
-- original(m), if given, returns a message's place in its original source
-- ("src/app.ts:17"), shown instead of the script's; nil: the script's.
function M.console_entry(e, original)
  if e.kind == "message" then
    local m = e.message
    local level = v(m.level) or "log"
    local text = one_line(v(m.text))
    local source = v(m.source)
    if source == "browser" then
      text = ("[%s] %s"):format(v(m.type) or "browser", text)
    end
    text = tagged(M.target_tag(m.target), text)
    local at = original and original(m) or where(m.url, m.line)
    local line = ("%s %-7s %s"):format(M.clock(m.timestamp), level, text)
    if at ~= "" then
      line = line .. "  (" .. at .. ")"
    end
    return line, hl.console[level] or hl.console.log
  elseif e.kind == "navigation" then
    local n = e.navigation
    return ("%s ── navigated to %s"):format(M.clock(n.timestamp), one_line(v(n.url))), "BdgConsoleMarker"
  elseif e.kind == "dropped" then
    return ("── %d events dropped (seq %s-%s): this client fell behind ──"):format(
      tonumber(v(e.count)) or 0, tostring(v(e.fromSeq)), tostring(v(e.toSeq))), "BdgConsoleWarning"
  elseif e.kind == "ended" then
    local line = "── session ended: " .. tostring(v(e.reason) or "unknown")
    if v(e.error) then
      line = line .. " (" .. one_line(v(e.error)) .. ")"
    end
    if v(e.outputPath) then
      line = line .. "; " .. v(e.outputPath)
    end
    return line .. " ──", "BdgConsoleMarker"
  end
  return "?", nil
end

-- status_text is the status column of a request.
local function status_text(r)
  local state = v(r.state)
  if state == "failed" then
    return v(r.canceled) and "CXL" or "ERR"
  end
  local status = tonumber(v(r.status))
  if status then
    return tostring(status)
  end
  return "..."
end

local function is_websocket(r)
  return v(r.resourceType) == "WebSocket"
end

local function plural(n, one, many)
  return ("%d %s"):format(n, n == 1 and one or many)
end

-- network_row returns the line of a request and its group (or nil):
-- method, status, URL, duration. A request of a target other than the
-- page has its tag before the URL ("[worker] http://..."). A WebSocket
-- reads "WS  101  ws://...  open", "closed 2.50 s" once closed; streamed,
-- the frames it had (messages, for an EventSource), follows when any.
function M.network_row(r, streamed)
  local state = v(r.state)
  local status = tonumber(v(r.status))
  local ws = is_websocket(r)
  local tail
  if state == "failed" then
    tail = one_line(v(r.errorText) or "failed")
    if v(r.duration) then
      tail = tail .. "  " .. M.duration(r.duration)
    end
  elseif ws then
    if state == "finished" then
      tail = vim.trim("closed " .. M.duration(r.duration))
    elseif state == "responded" then
      tail = "open"
    else
      tail = "connecting"
    end
  elseif state == "finished" then
    tail = M.duration(r.duration)
  else
    tail = state or "pending"
  end
  if v(r.fromCache) then
    tail = tail .. " (cache)"
  end
  if v(r.fromServiceWorker) then
    tail = tail .. " (service worker)"
  end
  streamed = tonumber(streamed) or 0
  if streamed > 0 then
    tail = tail .. "  " .. (ws and plural(streamed, "frame", "frames") or plural(streamed, "message", "messages"))
  end
  local method = ws and "WS" or (v(r.method) or "?")
  local url = tagged(M.target_tag(r.target), one_line(v(r.url)))
  local line = ("%-7s %-3s  %s  %s"):format(method, status_text(r), url, tail)
  local group
  if state == "failed" or (status and status >= 400) then
    group = "BdgNetworkError"
  elseif status and status >= 300 and status < 400 then
    group = "BdgNetworkRedirect"
  elseif state == "pending" or state == "responded" then
    group = "BdgNetworkPending"
  end
  return line, group
end

-- headers renders a header object, names sorted, indented.
local function headers(out, h)
  h = v(h)
  if type(h) ~= "table" or next(h) == nil then
    out[#out + 1] = "  (none)"
    return
  end
  local names = vim.tbl_keys(h)
  table.sort(names, function(a, b)
    return a:lower() < b:lower()
  end)
  for _, name in ipairs(names) do
    out[#out + 1] = ("  %s: %s"):format(name, one_line(v(h[name])))
  end
end

local function field(out, label, value)
  value = v(value)
  if value ~= nil and value ~= "" then
    out[#out + 1] = ("%s: %s"):format(label, tostring(value))
  end
end

-- The fields a record may have cut to their caps, in the order shown.
local cut_fields = {
  "url", "method", "text", "stack", "requestHeaders", "requestBody", "statusText",
  "mimeType", "responseHeaders", "errorText", "redirects",
}

-- truncated says which fields of a record were cut to their caps, with
-- their sizes before ("Bounds and drops" in docs/PROTOCOL.md); nil when
-- none was.
function M.truncated(sizes)
  sizes = v(sizes)
  if type(sizes) ~= "table" then
    return nil
  end
  local parts = {}
  for _, name in ipairs(cut_fields) do
    local n = tonumber(v(sizes[name]))
    if n and n > 0 then
      if name == "redirects" then
        parts[#parts + 1] = ("%s (of %d hops)"):format(name, n)
      else
        parts[#parts + 1] = ("%s (of %s)"):format(name, M.bytes(n))
      end
    end
  end
  return #parts > 0 and table.concat(parts, ", ") or nil
end

-- bdg-rpc keeps the newest 100 frames (or messages) of each socket.
local KEPT_PER_SOCKET = 100

-- list gives a JSON array as a table, or {}.
local function list(a)
  a = v(a)
  return type(a) == "table" and a or {}
end

-- frame gives the line of a WebSocket frame: "→ 12:00:00.123 text 9 B:
-- ping text", a binary one "← 12:00:00.124 binary 4 B (base64): AQID/w==".
function M.frame(f)
  local arrow = v(f.direction) == "sent" and "→" or "←"
  local opcode = tonumber(v(f.opcode))
  local kind = opcode == 2 and "binary" or opcode == 1 and "text" or ("opcode " .. tostring(opcode))
  local notes = {}
  if v(f.base64) then
    notes[#notes + 1] = "base64"
  end
  if v(f.truncated) then
    notes[#notes + 1] = "cut"
  end
  local head = ("%s %s %s %s"):format(arrow, M.clock(f.timestamp), kind, M.bytes(v(f.size) or 0))
  if #notes > 0 then
    head = head .. " (" .. table.concat(notes, ", ") .. ")"
  end
  return head .. ": " .. one_line(v(f.payload))
end

-- event_message gives the line of an EventSource message:
-- "12:00:00.123 tick #3: data".
function M.event_message(m)
  local name = v(m.eventName)
  local line = ("%s %s"):format(M.clock(m.timestamp), (name and name ~= "") and name or "message")
  if v(m.eventId) and v(m.eventId) ~= "" then
    line = line .. " #" .. tostring(v(m.eventId))
  end
  if v(m.truncated) then
    line = line .. " (cut)"
  end
  return line .. ": " .. one_line(v(m.data))
end

-- initiator_line gives a request's "Initiator:" line: its type, then the
-- original place when known ("maps/src/app.ts:22"), then the script's
-- place in parentheses, where gd finds it.
function M.initiator_line(r, original)
  local i = v(r.initiator)
  if type(i) ~= "table" or not v(i.type) then
    return nil
  end
  local line = "Initiator: " .. one_line(v(i.type))
  if original then
    line = line .. " " .. original
  end
  local url, l = v(i.url), tonumber(v(i.line))
  if url and l then
    line = line .. (" (%s:%d:%d)"):format(one_line(url), l, tonumber(v(i.column)) or 1)
  elseif url then
    line = line .. " " .. one_line(url)
  end
  return line
end

-- timing_text gives a request's phases that happened: "blocked 1.2 ms
-- dns 0.4 ms  connect 3.1 ms (ssl 2.0 ms)  send 0.1 ms  wait 102.3 ms
-- receive 4.0 ms".
function M.timing_text(t)
  t = v(t)
  if type(t) ~= "table" then
    return nil
  end
  local parts = {}
  for _, name in ipairs({ "blocked", "dns", "connect", "send", "wait", "receive" }) do
    local ms = tonumber(v(t[name]))
    if ms and ms >= 0 then
      local part = ("%s %.1f ms"):format(name, ms)
      local ssl = tonumber(v(t.ssl))
      if name == "connect" and ssl and ssl >= 0 then
        part = part .. (" (ssl %.1f ms)"):format(ssl)
      end
      parts[#parts + 1] = part
    end
  end
  return #parts > 0 and table.concat(parts, "  ") or nil
end

-- request_detail gives the lines of a request's details, with its body
-- when it has one, and the 0-based lines that are headings.
function M.request_detail(r)
  local out, headings = {}, {}
  local function heading(text)
    out[#out + 1] = ""
    headings[#headings + 1] = #out
    out[#out + 1] = text
  end
  out[1] = ("%s %s"):format(v(r.method) or "?", one_line(v(r.url)))
  headings[1] = 0
  local status = v(r.status)
  if status then
    field(out, "Status", ("%s %s"):format(status, v(r.statusText) or ""))
  end
  field(out, "State", r.state)
  field(out, "Type", r.resourceType)
  field(out, "MIME type", r.mimeType)
  field(out, "Protocol", r.protocol)
  field(out, "Remote address", r.remoteAddress)
  field(out, "Started", v(r.timestamp) and M.clock(r.timestamp))
  field(out, "Duration", v(r.duration) and M.duration(r.duration))
  field(out, "Timing", M.timing_text(r.timing))
  field(out, "Transferred", v(r.encodedDataLength) and M.bytes(r.encodedDataLength))
  field(out, "From cache", v(r.fromCache) and "yes")
  field(out, "From service worker", v(r.fromServiceWorker) and "yes")
  field(out, "Error", r.errorText)
  field(out, "Canceled", v(r.canceled) and "yes")
  field(out, "Request id", r.requestId)
  field(out, "Target", M.target_text(r.target))
  field(out, "Target parent", type(v(r.target)) == "table" and v(r.target).parentId or nil)
  field(out, "Frame id", r.frameId)
  out[#out + 1] = M.initiator_line(r)
  field(out, "Truncated", M.truncated(r.originalSizes))
  local redirects = v(r.redirects)
  if type(redirects) == "table" and #redirects > 0 then
    heading("Redirects")
    for _, hop in ipairs(redirects) do
      out[#out + 1] = ("  %s %s"):format(tostring(v(hop.status) or "?"), one_line(v(hop.url)))
    end
  end
  heading("Request headers")
  headers(out, r.requestHeaders)
  if v(r.requestBody) then
    local cut = tonumber(v(v(r.originalSizes) and v(r.originalSizes).requestBody))
    heading(cut and ("Request body (the first %s of %s)"):format(M.bytes(#v(r.requestBody)), M.bytes(cut))
      or "Request body")
    vim.list_extend(out, split_lines(v(r.requestBody)))
  elseif tonumber(v(r.requestBodySize)) then
    heading("Request body")
    out[#out + 1] = ("(not kept: %s)"):format(M.bytes(r.requestBodySize))
  end
  heading("Response headers")
  headers(out, r.responseHeaders)
  if is_websocket(r) then
    -- A WebSocket has no body: its messages are its frames.
    local frames = list(r.frames)
    heading(("Frames (%d%s; → sent, ← received)"):format(#frames, #frames >= KEPT_PER_SOCKET and ", the newest" or ""))
    for _, f in ipairs(frames) do
      out[#out + 1] = "  " .. M.frame(f)
    end
    if #frames == 0 then
      out[#out + 1] = "  (none)"
    end
    return out, headings
  end
  local body = v(r.responseBody)
  if body then
    local size = v(r.bodySize) or #body
    local encoding = v(r.base64Encoded) and ", base64" or ""
    heading(("Response body (%s%s)"):format(M.bytes(size), encoding))
    vim.list_extend(out, split_lines(body))
  elseif v(r.bodyOmitted) then
    heading("Response body")
    out[#out + 1] = "  (not kept: " .. v(r.bodyOmitted) .. ")"
  else
    heading("Response body")
    out[#out + 1] = "  (none)"
  end
  local messages = list(r.messages)
  if #messages > 0 or v(r.resourceType) == "EventSource" then
    heading(("EventSource messages (%d%s)"):format(#messages, #messages >= KEPT_PER_SOCKET and ", the newest" or ""))
    for _, m in ipairs(messages) do
      out[#out + 1] = "  " .. M.event_message(m)
    end
    if #messages == 0 then
      out[#out + 1] = "  (none)"
    end
  end
  return out, headings
end

-- message_detail gives the lines of a console message's details.
function M.message_detail(m)
  local out = {}
  out[1] = ("%s %s (%s)"):format(M.clock(m.timestamp), v(m.level) or "log", v(m.source) or "console")
  field(out, "Type", m.type)
  field(out, "Target", M.target_text(m.target))
  field(out, "Frame id", m.frameId)
  local at = v(m.url)
  if at then
    field(out, "At", v(m.line) and ("%s:%d:%d"):format(at, v(m.line), v(m.column) or 1) or at)
  end
  out[#out + 1] = ""
  vim.list_extend(out, split_lines(v(m.text)))
  if v(m.stack) then
    out[#out + 1] = ""
    vim.list_extend(out, split_lines(v(m.stack)))
  end
  return out, { 0 }
end

-- JSON for people: page/evaluate's values, indented.

local dict_mt = getmetatable(vim.empty_dict())

local json_escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}

-- json_string quotes s as JSON does ("/" left as it is, unlike cjson).
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return json_escapes[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

-- json_number writes n as JavaScript would: integers in full, others with
-- the fewest digits that read back as n (cjson keeps 14).
local function json_number(n)
  if n ~= n or n == math.huge or n == -math.huge then
    return "null"
  end
  if n == math.floor(n) and math.abs(n) < 2 ^ 53 then
    return ("%d"):format(n)
  end
  local s
  for digits = 15, 17 do
    s = ("%." .. digits .. "g"):format(n)
    if tonumber(s) == n then
      break
    end
  end
  return s
end

-- is_array tells a decoded JSON array from an object: an object has string
-- keys, an empty one the metatable of vim.empty_dict().
local function is_array(t)
  if getmetatable(t) == dict_mt then
    return false
  end
  local n = 0
  for k in pairs(t) do
    if type(k) ~= "number" then
      return false
    end
    n = n + 1
  end
  for i = 1, n do
    if t[i] == nil then
      return false
    end
  end
  return true
end

local function json_scalar(x)
  if x == nil or x == vim.NIL then
    return "null"
  elseif type(x) == "string" then
    return json_string(x)
  elseif type(x) == "number" then
    return json_number(x)
  end
  return tostring(x)
end

-- json_lines renders a decoded JSON value indented by two spaces, one
-- member or element a line, an object's keys sorted (decoding lost their
-- order); a scalar or an empty object or array is one line.
function M.json_lines(value)
  local out = {}
  local function emit(x, indent, key, last)
    local head = indent .. (key and (json_string(key) .. ": ") or "")
    local comma = last and "" or ","
    if type(x) ~= "table" then
      out[#out + 1] = head .. json_scalar(x) .. comma
      return
    end
    local array = is_array(x)
    local open, close = "{", "}"
    if array then
      open, close = "[", "]"
    end
    if next(x) == nil then
      out[#out + 1] = head .. open .. close .. comma
      return
    end
    out[#out + 1] = head .. open
    local inner = indent .. "  "
    if array then
      for i, item in ipairs(x) do
        emit(item, inner, nil, i == #x)
      end
    else
      local keys = vim.tbl_keys(x)
      table.sort(keys)
      for i, k in ipairs(keys) do
        emit(x[k], inner, tostring(k), i == #keys)
      end
    end
    out[#out + 1] = indent .. close .. comma
  end
  emit(value, "", nil, true)
  return out
end

-- eval_result says how to show what page/evaluate answered:
--   "exception", its text and stack (one frame a line): the expression threw;
--   "lines", the lines of a value that takes more than one, and their
--     filetype: an object or array as indented JSON ("json"), a string
--     with newlines as its lines ("text");
--   "text", the value on one line as DevTools shows it (the result's text).
function M.eval_result(res)
  local x = v(res.exception)
  if type(x) == "table" then
    local text = tostring(v(x.text) or "exception")
    local stack = v(x.stack)
    if type(stack) == "string" and stack ~= "" then
      text = text .. "\n" .. stack:gsub("%s+$", "")
    end
    return "exception", text
  end
  local value = v(res.value)
  if type(value) == "table" then
    local lines = M.json_lines(value)
    if #lines > 1 then
      return "lines", lines, "json"
    end
  elseif type(value) == "string" and value:find("[\r\n]") then
    return "lines", split_lines(value), "text"
  end
  return "text", tostring(v(res.text) or "")
end

-- navigation renders the answer of page/navigate, reload, back and
-- forward: "URL (navigation N, WAITEDFOR)", as bdg-rpc navigate prints it.
function M.navigation(res)
  return ("%s (navigation %s, %s)"):format(one_line(v(res.url) or "?"), tostring(v(res.navigationId) or "?"),
    tostring(v(res.waitedFor) or "?"))
end

return M
