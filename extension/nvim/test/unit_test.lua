-- Unit tests: framing (with jobstart's list semantics simulated and real),
-- JSON helpers, the rpc client over a fake transport, stores and views.
local h = require("harness")
local uv = vim.uv or vim.loop
local test, eq, ok = h.test, h.eq, h.ok

local framing = require("bdg.rpc.framing")
local compat = require("bdg.util.compat")

-- as_job_chunks turns byte chunks into what jobstart's on_stdout receives:
-- each chunk split on "\n" (a chunk "a\nb" is {"a", "b"}; "a\n" is {"a", ""}).
local function as_job_chunks(chunks)
  local out = {}
  for _, c in ipairs(chunks) do
    out[#out + 1] = vim.split(c, "\n", { plain = true })
  end
  return out
end

local function collect()
  local lines = {}
  local f = framing.new(function(l)
    lines[#lines + 1] = l
  end)
  return f, lines
end

local function via_list(chunks)
  local f, lines = collect()
  for _, data in ipairs(as_job_chunks(chunks)) do
    f:feed_list(data)
  end
  return lines, f
end

local function via_bytes(chunks)
  local f, lines = collect()
  for _, c in ipairs(chunks) do
    f:feed_bytes(c)
  end
  return lines, f
end

test("framing: jobstart lists, the partial last element joins the next chunk", function()
  local f, lines = collect()
  f:feed_list({ '{"a":', })
  eq({}, lines, "nothing before a newline")
  f:feed_list({ '1}', '{"b":2}', '{"c"' })
  eq({ '{"a":1}', '{"b":2}' }, lines, "two lines, third partial")
  ok(f:pending(), "a partial line is pending")
  f:feed_list({ ':3}', '' })
  eq({ '{"a":1}', '{"b":2}', '{"c":3}' }, lines, "the partial completed by the next chunk")
  ok(not f:pending(), "nothing pending after a final newline")
end)

test("framing: an empty string element is a newline boundary", function()
  local f, lines = collect()
  f:feed_list({ "one" })
  f:feed_list({ "", "two" }) -- the chunk began with "\n"
  eq({ "one" }, lines, "a chunk starting with a newline ends the previous line")
  f:feed_list({ "", "", "" }) -- "\n\n": ends "two", then a blank line
  eq({ "one", "two" }, lines, "blank lines are skipped")
  f:feed_list({ "three", "" })
  eq({ "one", "two", "three" }, lines, "line ended by its chunk")
end)

test("framing: CRLF and whitespace-only lines", function()
  local lines = via_list({ 'x\r\n   \r\n\t\ny\n' })
  eq({ "x", "y" }, lines, "CR dropped, blank lines skipped")
end)

test("framing: EOF delivers a last line without newline", function()
  local lines, f = via_list({ "a\nb" })
  eq({ "a" }, lines, "before EOF")
  f:feed_list({ "" }) -- what jobstart sends at EOF: no change
  f:finish()
  eq({ "a", "b" }, lines, "after EOF")
end)

test("framing: every split of a stream gives the same lines (lists and bytes)", function()
  local msgs = {
    compat.json_encode({ jsonrpc = "2.0", method = "console/message", params = { text = "héllo € \240\159\152\128" } }),
    '{"jsonrpc":"2.0","id":1,"result":{"t":"\\u2028 and é"}}',
    '{"jsonrpc":"2.0","method":"x","params":{}}',
  }
  local stream = table.concat(msgs, "\n") .. "\r\n\n" .. msgs[1] .. "\n"
  local want = { msgs[1], msgs[2], msgs[3], msgs[1] }
  for i = 0, #stream do
    local chunks = { stream:sub(1, i), stream:sub(i + 1) }
    eq(want, (via_list(chunks)), "split at byte " .. i .. " (lists)")
    eq(want, (via_bytes(chunks)), "split at byte " .. i .. " (bytes)")
  end
  local one = {}
  for i = 1, #stream do
    one[i] = stream:sub(i, i)
  end
  eq(want, (via_list(one)), "one byte per chunk (lists)")
  eq(want, (via_bytes(one)), "one byte per chunk (bytes)")
  local whole = via_list({ stream })
  eq(want, whole, "all at once")
  for _, l in ipairs(whole) do
    ok(compat.json_decode(l), "line decodes: " .. l)
  end
end)

test("framing: a line over the limit is dropped up to its newline, the next survives", function()
  local errors, lines = {}, {}
  local f = framing.new(function(l)
    lines[#lines + 1] = l
  end, { max_bytes = 10, on_error = function(e)
    errors[#errors + 1] = e
  end })
  f:feed_list({ "0123456" })
  f:feed_list({ "789abcdef", "ok" })
  f:feed_list({ "", "" })
  eq({ "ok" }, lines, "only the short line")
  eq(1, #errors, "one error")
  h.matches("limit of 10 bytes", errors[1], "error text")
end)

test("framing: encode escapes U+2028/2029 and ends with one newline", function()
  local line = framing.encode({ text = "a\226\128\168b\226\128\169c\nd" })
  eq(1, select(2, line:gsub("\n", "")), "exactly one newline")
  ok(line:sub(-1) == "\n", "ends with a newline")
  ok(not line:find("\226\128\168") and not line:find("\226\128\169"), "no raw U+2028/2029")
  ok(line:find("\\u2028", 1, true) and line:find("\\u2029", 1, true), "escaped")
  eq({ text = "a\226\128\168b\226\128\169c\nd" }, compat.json_decode(line), "round trip")
  eq("{}\n", framing.encode({}), "an empty table is an object")
end)

test("compat: lone surrogates decode as U+FFFD, pairs and escaped backslashes kept", function()
  eq({ t = "a \239\191\189 b" }, compat.json_decode('{"t":"a \\ud800 b"}'), "lone high")
  eq({ t = "\239\191\189x" }, compat.json_decode('{"t":"\\udc00x"}'), "lone low")
  eq({ t = "\240\159\152\128 \239\191\189", u = "\\ud800" },
    compat.json_decode('{"t":"\\ud83d\\ude00 \\ud83d","u":"\\\\ud800"}'), "pair kept, escaped backslash kept")
  local v, err = compat.json_decode("%%% garbage")
  ok(v == nil and err, "garbage gives an error")
end)

-- A fake transport: records what the client sends; the test feeds lines.
local function fake_client(opts)
  local client = require("bdg.rpc.client")
  local sent = {}
  local c = client.new(opts or {})
  c:attach({
    send = function(_, line)
      sent[#sent + 1] = compat.json_decode(line)
      return true
    end,
    close = function() end,
  })
  return c, sent
end

test("client: requests matched to responses out of order, params as objects", function()
  local c, sent = fake_client()
  local got = {}
  c:request("a", nil, function(err, r)
    got.a = { err, r }
  end)
  c:request("b", { x = 1 }, function(err, r)
    got.b = { err, r }
  end)
  eq("2.0", sent[1].jsonrpc, "jsonrpc")
  eq({}, sent[1].params, "absent params sent as {}")
  eq(vim.empty_dict(), sent[1].params, "as an object")
  eq(2, sent[2].id, "ids increase")
  c:handle_line('{"jsonrpc":"2.0","id":2,"result":{"ok":true}}')
  c:handle_line('{"jsonrpc":"2.0","id":1,"result":null}')
  eq({ nil, { ok = true } }, got.b, "b's answer")
  eq({}, got.a, "a's answer: null result is nil")
end)

test("client: errors carry code, message, kind and hint", function()
  local c = fake_client()
  local e
  c:request("session/start", { url = "x" }, function(err)
    e = err
  end)
  c:handle_line('{"id":1,"error":{"code":-32001,"message":"session \\"default\\" already running (pid 4242)",'
    .. '"data":{"kind":"already_running","hint":"stop it first"}},"jsonrpc":"2.0"}')
  eq(-32001, e.code, "code")
  eq("already_running", e.data.kind, "kind")
  eq("stop it first", e.data.hint, "hint")
  local msg = require("bdg.util.notify").format_error("cannot start", e)
  h.matches("already running %(pid 4242%) %[already_running%]\nhint: stop it first", msg, "formatted")
end)

test("client: notifications, peer requests refused, garbage reported, close fails pending calls", function()
  local notes, problems, closed = {}, {}, nil
  local c, sent = fake_client({
    on_notification = function(m, p)
      notes[#notes + 1] = { m, p }
    end,
    on_protocol_error = function(msg)
      problems[#problems + 1] = msg
    end,
    on_close = function(code)
      closed = code
    end,
  })
  c:handle_line('{"jsonrpc":"2.0","method":"console/message","params":{"session":"default","seq":1}}')
  eq({ { "console/message", { session = "default", seq = 1 } } }, notes, "notification")
  c:handle_line('{"jsonrpc":"2.0","id":"s1","method":"workspace/configuration","params":{}}')
  eq("s1", sent[1].id, "reply to the peer's request")
  eq(-32601, sent[1].error.code, "method not found")
  c:handle_line("%%% garbage")
  c:handle_line('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}')
  c:handle_line('[1,2]')
  eq(3, #problems, "three protocol problems")
  local e
  c:request("session/status", {}, function(err)
    e = err
  end)
  c:handlers().on_close(1, { "boom" })
  local client = require("bdg.rpc.client")
  ok(client.is_closed(e), "pending call failed on close: " .. vim.inspect(e))
  eq(nil, e.code, "no JSON-RPC code: the peer never answered")
  eq("connection_closed", e.kind, "kind")
  eq(true, e.closed, "closed")
  eq(nil, e.data.kind, "not one of the protocol's kinds")
  eq(1, closed, "on_close called")
  local e2
  c:request("x", {}, function(err)
    e2 = err
  end)
  ok(client.is_closed(e2), "a request after close fails at once, closed too")
  eq(nil, e2.code, "no code either")
  eq("cannot stop: bdg-rpc is not running\nhint: run the command again to restart it",
    require("bdg.util.notify").format_error("cannot stop", e2), "shown as before: message and hint")
  ok(not client.is_closed({ code = -32003, message = "x", data = {} }), "a server error is not closed")
end)

test("job transport: real jobstart chunks, split mid-message and mid-character", function()
  local job = require("bdg.rpc.job")
  local client = require("bdg.rpc.client")
  local notes, code = {}, nil
  local c = client.new({
    on_notification = function(_, p)
      notes[#notes + 1] = p.text
    end,
    on_close = function(status)
      code = status
    end,
  })
  -- Writes split inside a message, inside "é" (\303\251), and two messages
  -- in one write; the last message has no trailing newline.
  local script = [[
printf '{"jsonrpc":"2.0","method":"m","params":{"text":"h\303'; sleep 0.05
printf '\251llo"}}\n{"jsonrpc":"2.0","me'; sleep 0.05
printf 'thod":"m","params":{"text":"two"}}\n\n{"jsonrpc":"2.0","method":"m","params":{"text":"three"}}\r\n'; sleep 0.05
printf '{"jsonrpc":"2.0","method":"m","params":{"text":"four"}}'
]]
  local t = assert(job.spawn({ "sh", "-c", script }, c:handlers()))
  c:attach(t)
  h.wait(5000, function()
    return code ~= nil
  end, "the script to exit")
  eq({ "h\195\169llo", "two", "three", "four" }, notes, "messages")
  eq(0, code, "exit status")
end)

test("job transport: a missing binary is an error with a message", function()
  local job = require("bdg.rpc.job")
  local t, err = job.spawn({ "/nonexistent/bdg-rpc", "serve" }, { on_line = function() end })
  ok(t == nil, "no transport")
  h.matches("not executable", err, "error")
end)

-- Events for a fake session.
local function console_event(seq, level, text)
  return { session = "t", seq = seq, message = { seq = seq, level = level, source = "console", type = "log",
    text = text, timestamp = 1764104133408.3 + seq, navigationId = 1 } }
end

local function request_event(seq, id, state, status)
  return { session = "t", seq = seq, request = { seq = seq, requestId = id, url = "http://x/" .. id, method = "GET",
    timestamp = 1764104133408, navigationId = 1, state = state, status = status, duration = state == "finished" and 12.5 or nil } }
end

test("session: events applied in seq order, repeats ignored, rows replaced by requestId", function()
  local session = require("bdg.session")
  local s = session.new("t")
  s:apply("console/message", console_event(1, "log", "a"))
  s:apply("network/request", request_event(2, "r1", "pending"))
  s:apply("console/message", console_event(1, "log", "a again"))
  s:apply("network/finished", request_event(3, "r1", "finished", 200))
  eq(1, s.console.ring:len(), "one console entry")
  eq(1, s.network:len(), "one row")
  eq(200, s.network:get("r1").status, "row replaced")
  eq(3, s.last_seq, "last seq")
  s:apply("session/ended", { session = "t", seq = 4, reason = "stopped", outputPath = "/x/session.json" })
  eq("ended", s.state, "state")
  eq("ended", s.console.ring:get(s.console.ring.last).kind, "an end marker")
end)

test("session: a re-attach resumes after the last seq of its run; a reset empties it first", function()
  local session = require("bdg.session")
  local s = session.new("t")
  eq(nil, s:resume_point(), "nothing to resume: no run known")
  eq(false, s:joined({ epoch = "e1" }), "a start's result: no reset")
  s:apply("console/message", console_event(1, "error", "old run"))
  s:apply("network/failed", request_event(2, "r1", "failed"))
  local since, epoch = s:resume_point()
  eq({ 2, "e1" }, { since, epoch }, "the last seq with its run")
  local emitted = {}
  s:on_change(function(what)
    emitted[#emitted + 1] = what
  end)
  -- The same run: nothing goes, the events after since follow.
  eq(false, s:joined({ epoch = "e1" }), "same run")
  eq({}, emitted, "nothing changed")
  s:apply("console/message", console_event(3, "log", "same run"))
  eq(2, s.console.ring:len(), "appended")
  emitted = {}
  -- Another run: the old run's entries, rows and last seq go before its events.
  local gen = s.gen
  eq(true, s:joined({ epoch = "e2", reset = true }), "a reset")
  eq({ "reset" }, emitted, "the views are told to redraw from scratch")
  ok(s.gen ~= gen, "a new generation")
  eq(0, s.console.ring:len(), "console emptied")
  eq(0, s.network:len(), "rows emptied")
  eq(nil, s.network:get("r1"), "the old run's request id is gone")
  eq(0, s.last_seq, "seq dedup state reset")
  eq("e2", s.epoch, "the new run followed")
  s:apply("console/message", console_event(1, "log", "new run"))
  s:apply("network/request", request_event(2, "r1", "pending"))
  eq(1, s.console.ring:len(), "the new run's seq 1 is not taken for a repeat")
  eq("new run", s.console.ring:get(s.console.ring.last).message.text, "its text")
  eq("pending", s.network:get("r1").state, "a new row for the new run's r1")
  since, epoch = s:resume_point()
  eq({ 2, "e2" }, { since, epoch }, "resume point of the new run")
  s:reset()
  eq(nil, s:resume_point(), "a reset forgets the run")
end)

test("views: a 10,000-message burst is one bounded, highlighted redraw", function()
  local config = require("bdg.config")
  config.setup({ max_lines = 10000, redraw_ms = 50 })
  local s = require("bdg.sessions").ensure("burst")
  s:reset()
  local view = require("bdg.ui.console").get(s)
  local renders = 0
  local orig = view.render
  view.render = function(self)
    renders = renders + 1
    return orig(self)
  end
  local t0 = uv.hrtime()
  local levels = { "log", "info", "warning", "error", "debug" }
  for i = 1, 12000 do
    s:apply("console/message", console_event(i, levels[i % 5 + 1], "burst " .. i .. "\nsecond line"))
  end
  local apply_ms = (uv.hrtime() - t0) / 1e6
  h.wait(3000, function()
    return vim.api.nvim_buf_line_count(view.buf) == 10000
  end, "10,000 lines", function()
    return "lines: " .. vim.api.nvim_buf_line_count(view.buf)
  end)
  local total_ms = (uv.hrtime() - t0) / 1e6
  h.log("      12,000 events applied in %.0f ms, drawn in %.0f ms, %d redraw(s)", apply_ms, total_ms, renders)
  ok(renders <= 2, "coalesced into few redraws, got " .. renders)
  ok(total_ms < 3000, "fast enough: " .. total_ms .. " ms")
  local lines = vim.api.nvim_buf_get_lines(view.buf, 0, -1, false)
  h.matches("burst 2001 ⏎ second line$", lines[1], "oldest kept is #2001")
  h.matches("burst 12000 ⏎ second line$", lines[10000], "newest last")
  local marks = vim.api.nvim_buf_get_extmarks(view.buf, require("bdg.ui.highlight").ns, 0, -1, {})
  eq(8000, #marks, "every non-log line highlighted")
  -- More, incrementally: appended, oldest dropped, still 10,000.
  for i = 12001, 12100 do
    s:apply("console/message", console_event(i, "error", "more " .. i))
  end
  h.wait(2000, function()
    return (vim.api.nvim_buf_get_lines(view.buf, -2, -1, false)[1] or ""):find("more 12100", 1, true) ~= nil
  end, "the incremental redraw")
  eq(10000, vim.api.nvim_buf_line_count(view.buf), "still bounded")
  eq(8020, #vim.api.nvim_buf_get_extmarks(view.buf, require("bdg.ui.highlight").ns, 0, -1, {}),
    "no marks left behind by the dropped lines")
  h.matches("burst 2101 ", vim.api.nvim_buf_get_lines(view.buf, 0, 1, false)[1], "first line after the drop")
  vim.cmd("bwipeout! " .. view.buf)
  config.setup({})
end)

test("views: network rows updated in place, bounded, <CR> asks network/get", function()
  local config = require("bdg.config")
  config.setup({ max_lines = 3, redraw_ms = 20 })
  local s = require("bdg.sessions").ensure("t")
  s:reset()
  local view = require("bdg.actions").open_network("t")
  s:apply("network/request", request_event(1, "r1", "pending"))
  s:apply("network/request", request_event(2, "r2", "pending"))
  local function lines()
    return vim.api.nvim_buf_get_lines(view.buf, 0, -1, false)
  end
  h.wait(2000, function()
    return #lines() == 2 and lines()[2]:find("r2", 1, true)
  end, "two rows", function()
    return vim.inspect(lines())
  end)
  h.matches("^GET     %.%.%.  http://x/r1  pending$", lines()[1], "pending row")
  s:apply("network/finished", request_event(3, "r1", "finished", 404))
  h.wait(2000, function()
    return lines()[1]:find("404", 1, true)
  end, "r1 updated in place")
  eq("GET     404  http://x/r1  13 ms", lines()[1], "finished row")
  local function groups(lnum)
    local out = {}
    for _, m in ipairs(vim.api.nvim_buf_get_extmarks(view.buf, require("bdg.ui.highlight").ns,
      { lnum - 1, 0 }, { lnum - 1, -1 }, { details = true })) do
      out[#out + 1] = m[4].hl_group
    end
    return out
  end
  s:apply("network/finished", request_event(4, "r2", "finished", 200))
  h.wait(2000, function()
    return lines()[2]:find("200", 1, true)
  end, "r2 updated in place")
  eq({ "BdgNetworkError" }, groups(1), "the row above keeps its highlight when the next one changes")
  eq({}, groups(2), "a 200 has none")
  eq(2, #lines(), "still two rows")
  s:apply("network/request", request_event(5, "r3", "pending"))
  s:apply("network/request", request_event(6, "r4", "pending"))
  h.wait(2000, function()
    return lines()[3] and lines()[3]:find("r4", 1, true)
  end, "bounded to 3 rows", function()
    return vim.inspect(lines())
  end)
  eq(3, #lines(), "three rows")
  h.matches("r2", lines()[1], "the oldest row was dropped")
  -- <CR> on the first row asks for r2, through the fake backend route.
  local actions = require("bdg.actions")
  local asked
  local saved = actions.show_request
  actions.show_request = function(name, id)
    asked = { name, id }
  end
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<CR>", true, false, true), "x", false)
  actions.show_request = saved
  eq({ "t", "r2" }, asked, "<CR> asks for the row's request")
  vim.cmd("bwipeout! " .. view.buf)
  config.setup({})
end)

test("format: request details with headers and body", function()
  local format = require("bdg.ui.format")
  local lines = format.request_detail({
    requestId = "1.2", url = "http://x/data.json", method = "GET", state = "finished", status = 200,
    statusText = "OK", mimeType = "application/json", requestHeaders = { Accept = "*/*" },
    responseHeaders = { ["Content-Type"] = "application/json" }, responseBody = '{"n":42}', bodySize = 8,
  })
  local text = table.concat(lines, "\n")
  h.matches("^GET http://x/data.json\nStatus: 200 OK", text, "head")
  h.matches("Request headers\n  Accept: %*/%*", text, "request headers")
  h.matches("Response headers\n  Content%-Type: application/json", text, "response headers")
  h.matches('Response body %(8 B%)\n{"n":42}$', text, "body")
  eq(nil, text:find("Truncated", 1, true), "nothing said cut")
end)

test("format: a request's initiator, its original place, and its timing's phases", function()
  local format = require("bdg.ui.format")
  local sources = require("bdg.sources")
  local r = {
    requestId = "1.5", url = "http://x/data.json", method = "GET", state = "finished",
    initiator = { type = "script", url = "http://x/app.js", line = 1, column = 380 },
    timing = { blocked = 1.5, dns = -1, connect = 10, ssl = 6, send = 0.5, wait = 100, receive = -1 },
  }
  local text = table.concat(format.request_detail(r), "\n")
  h.matches("\nInitiator: script %(http://x/app%.js:1:380%)\n", text, "the script's place")
  h.matches("\nTiming: blocked 1%.5 ms  connect 10%.0 ms %(ssl 6%.0 ms%)  send 0%.5 ms  wait 100%.0 ms\n", text,
    "the phases that happened")
  local line = format.initiator_line(r, "src/app.ts:22")
  eq("Initiator: script src/app.ts:22 (http://x/app.js:1:380)", line, "with its original")
  eq({ url = "http://x/app.js", line = 1, column = 380 }, sources.place_in(line), "gd finds its place")
  eq("Initiator: parser http://x/", format.initiator_line({ initiator = { type = "parser", url = "http://x/" } }), "no line")
  eq(nil, format.initiator_line({}), "none")
  eq(nil, format.timing_text(nil), "no timing")
end)

test("format: what a request had cut to its caps, with its sizes before", function()
  local format = require("bdg.ui.format")
  local text = table.concat(format.request_detail({
    requestId = "1.3", url = "http://x/post", method = "POST", state = "finished",
    requestBody = string.rep("p", 65536), requestBodySize = 4194304, truncated = true,
    originalSizes = { url = 2000000, requestBody = 4194304, redirects = 30 },
  }), "\n")
  h.matches("Truncated: url %(of 1%.9 MiB%), requestBody %(of 4%.0 MiB%), redirects %(of 30 hops%)", text, "truncated")
  h.matches("Request body %(the first 64%.0 KiB of 4%.0 MiB%)\np", text, "post data heading")
  local unkept = table.concat(format.request_detail({ requestId = "1.4", url = "http://x/", method = "POST",
    requestBodySize = 100 }), "\n")
  h.matches("Request body\n%(not kept: 100 B%)", unkept, "post data not kept")
end)

-- Records of targets other than the page, WebSockets and EventSources.
local worker_ref = { id = "W1", type = "worker", url = "http://x/wp-worker.js", parentId = "P0" }

local function socket_event(seq, state, status, duration)
  return { session = "t", seq = seq, request = { seq = seq, requestId = "ws1", url = "ws://x/ws", method = "GET",
    resourceType = "WebSocket", timestamp = 1764104133408, navigationId = 1, state = state, status = status,
    duration = duration } }
end

local function frame_event(seq, id, direction, opcode, payload)
  return { session = "t", seq = seq, frame = { seq = seq, requestId = id, direction = direction, opcode = opcode,
    payload = payload, base64 = opcode == 2 or nil, size = 4, timestamp = 1764104133408 + seq } }
end

test("format: rows of the page unchanged, other targets tagged; WebSocket rows", function()
  local format = require("bdg.ui.format")
  local r = request_event(1, "r1", "finished", 200).request
  eq("GET     200  http://x/r1  13 ms", (format.network_row(vim.tbl_extend("force", r, {
    target = { id = "P0", type = "page", url = "http://x/" }, frameId = "F1" }))), "the page's row as before")
  eq("GET     200  [worker] http://x/r1  13 ms", (format.network_row(vim.tbl_extend("force", r, { target = worker_ref }))),
    "a worker's row")
  local tags = {}
  for _, kind in ipairs({ "page", "iframe", "worker", "shared_worker", "service_worker", "popup" }) do
    tags[#tags + 1] = format.target_tag({ id = "x", type = kind, url = "" })
  end
  eq({ "", "[iframe]", "[worker]", "[shared]", "[sw]", "[popup]" }, tags, "tags")
  eq("", format.target_tag(vim.NIL), "no target: no tag")
  eq("GET     200  http://x/r1  13 ms (service worker)",
    (format.network_row(vim.tbl_extend("force", r, { fromServiceWorker = true }))), "answered by a service worker")
  local line = format.console_entry({ kind = "message", message = vim.tbl_extend("force",
    console_event(2, "error", "boom").message, { target = { id = "S", type = "service_worker", url = "http://x/sw.js" } }) })
  h.matches("^%d%d:%d%d:%d%d%.%d%d%d error   %[sw%] boom$", line, "a service worker's message")
  line = format.console_entry({ kind = "message", message = console_event(3, "log", "plain").message })
  h.matches("^%d%d:%d%d:%d%d%.%d%d%d log     plain$", line, "the page's message as before")
  eq("WS      ...  ws://x/ws  connecting", (format.network_row(socket_event(1, "pending").request)), "connecting")
  eq("WS      101  ws://x/ws  open", (format.network_row(socket_event(2, "responded", 101).request)), "open")
  eq("WS      101  ws://x/ws  open  1 frame", (format.network_row(socket_event(2, "responded", 101).request, 1)), "a frame")
  eq("WS      101  ws://x/ws  closed 2.50 s  4 frames",
    (format.network_row(socket_event(3, "finished", 101, 2500).request, 4)), "closed")
  local sse = vim.tbl_extend("force", r, { resourceType = "EventSource" })
  eq("GET     200  http://x/r1  13 ms  3 messages", (format.network_row(sse, 3)), "an EventSource's messages")
end)

test("format: details show the target, frame, service worker; a WebSocket's frames, an EventSource's messages", function()
  local format = require("bdg.ui.format")
  local text = table.concat(format.request_detail(vim.tbl_extend("force", request_event(1, "r1", "finished", 200).request,
    { target = worker_ref, frameId = "F9", fromServiceWorker = true })), "\n")
  h.matches("\nTarget: worker http://x/wp%-worker%.js %(id W1%)\n", text, "target")
  h.matches("\nTarget parent: P0\n", text, "its parent")
  h.matches("\nFrame id: F9\n", text, "frame")
  h.matches("\nFrom service worker: yes\n", text, "service worker")
  local plain = table.concat(format.request_detail(request_event(1, "r1", "finished", 200).request), "\n")
  eq(nil, plain:find("Target", 1, true), "none for a record without a target")
  local req = socket_event(5, "finished", 101, 2500).request
  req.frames = {
    frame_event(2, "ws1", "sent", 1, "ping text").frame,
    frame_event(3, "ws1", "received", 2, "AQID/w==").frame,
    vim.tbl_extend("force", frame_event(4, "ws1", "received", 1, "two\nlines").frame, { truncated = true, size = 70000 }),
  }
  local lines, headings = format.request_detail(req)
  local n = #lines
  eq("Frames (3; → sent, ← received)", lines[n - 3], "frames heading")
  ok(vim.tbl_contains(headings, n - 4), "the heading is highlighted")
  h.matches("^  → %d%d:%d%d:%d%d%.%d%d%d text 4 B: ping text$", lines[n - 2], "a sent text frame")
  h.matches("^  ← %d%d:%d%d:%d%d%.%d%d%d binary 4 B %(base64%): AQID/w==$", lines[n - 1], "a received binary frame")
  h.matches("^  ← .* text 68%.4 KiB %(cut%): two ⏎ lines$", lines[n], "a cut multi-line frame, on one line")
  eq(nil, table.concat(lines, "\n"):find("Response body", 1, true), "no body for a socket")
  req.frames = nil
  lines = format.request_detail(req)
  eq({ "Frames (0; → sent, ← received)", "  (none)" }, { lines[#lines - 1], lines[#lines] }, "no frames")
  local es = vim.tbl_extend("force", request_event(6, "es1", "finished", 200).request, { resourceType = "EventSource",
    messages = { { seq = 7, requestId = "es1", eventName = "tick", eventId = "3", data = "d1", timestamp = 1764104133408 },
      { seq = 8, requestId = "es1", eventName = "", data = "", timestamp = 1764104133409 } } })
  lines = format.request_detail(es)
  eq("EventSource messages (2)", lines[#lines - 2], "messages heading, after the body")
  h.matches("^  %d%d:%d%d:%d%d%.%d%d%d tick #3: d1$", lines[#lines - 1], "a message with its name and id")
  h.matches("^  %d%d:%d%d:%d%d%.%d%d%d message: $", lines[#lines], "an unnamed one")
  local msg = table.concat(format.message_detail(vim.tbl_extend("force", console_event(9, "log", "hi").message,
    { target = worker_ref, frameId = "F3" })), "\n")
  h.matches("\nTarget: worker http://x/wp%-worker%.js %(id W1%)\nFrame id: F3\n", msg, "a message's target")
end)

test("session: network/websocket rows, frames counted on them, targets by type, unknown events skipped", function()
  local config = require("bdg.config")
  config.setup({ max_lines = 3, redraw_ms = 20 })
  local s = require("bdg.sessions").ensure("t")
  s:reset()
  local view = require("bdg.actions").open_network("t")
  local function lines()
    return vim.api.nvim_buf_get_lines(view.buf, 0, -1, false)
  end
  eq("network", s:apply("network/websocket", socket_event(1, "pending")), "a socket is a row")
  s:apply("network/websocket", socket_event(2, "responded", 101))
  eq("network", s:apply("websocket/frame", frame_event(3, "ws1", "sent", 1, "hi")), "a frame redraws its row")
  s:apply("websocket/frame", frame_event(4, "ws1", "received", 2, "AQID"))
  eq(nil, s:apply("websocket/frame", frame_event(5, "nope", "sent", 1, "x")), "a frame of no row changes none")
  eq(nil, s:apply("eventsource/message", { session = "t", seq = 6, message = vim.NIL }), "a bad message is skipped")
  eq(nil, s:apply("future/notification", { session = "t", seq = 7, thing = {} }), "an unknown event is skipped")
  eq(7, s.last_seq, "yet its seq is seen")
  h.wait(2000, function()
    return lines()[1] == "WS      101  ws://x/ws  open  2 frames"
  end, "the socket's row with its frames", function()
    return vim.inspect(lines())
  end)
  s:apply("network/websocket", socket_event(8, "finished", 101, 2500))
  h.wait(2000, function()
    return lines()[1] == "WS      101  ws://x/ws  closed 2.50 s  2 frames"
  end, "the row replaced in place, its count kept", function()
    return vim.inspect(lines())
  end)
  eq(1, s.network:len(), "one row")
  eq(3, s.frames, "frames seen, of no row too")
  local function target(seq, method, id, kind)
    return s:apply(method, { session = "t", seq = seq, target = { id = id, type = kind, url = "http://x/" .. id },
      reason = method == "target/detached" and "destroyed" or nil })
  end
  eq("targets", target(9, "target/attached", "P0", "page"), "attached")
  target(10, "target/attached", "W1", "worker")
  target(11, "target/attached", "W2", "worker")
  target(12, "target/attached", "W2", "worker")
  target(13, "target/attached", "X", "popup")
  target(14, "target/detached", "X", "popup")
  target(15, "target/detached", "W1", "worker")
  local live, ended = s:target_counts()
  eq({ { page = 1, worker = 1 }, { popup = 1, worker = 1 } }, { live, ended }, "counts by type")
  eq("targets: 1 page, 1 worker; gone: 1 worker, 1 popup", require("bdg.ui.format").target_counts(live, ended), "rendered")
  eq(nil, s:apply("target/attached", { session = "t", seq = 16, target = vim.NIL }), "a target event without a target")
  s:reset()
  live, ended = s:target_counts()
  eq({ {}, {} }, { live, ended }, "a reset forgets them")
  vim.cmd("bwipeout! " .. view.buf)
  config.setup({})
end)

test(":BdgStatus: the targets by type, and frames and targets dropped", function()
  local actions = require("bdg.actions")
  local st = { session = "t", state = "running", counts = { network = 3, console = 2 },
    dropped = { network = 0, console = 0, frames = 5, targets = 2 },
    targets = { page = 1, worker = 2, service_worker = 1 }, targetsEnded = { popup = 1 }, lastSeq = 9 }
  local text = table.concat(actions.status_lines(st), "\n")
  h.matches("captured: 3 requests, 2 console messages; dropped: 0 requests, 0 messages, 0 bodies, 0 tracking requests, "
    .. "5 frames, 2 targets not followed\n", text, "drops")
  h.matches("\n  targets: 1 page, 2 worker, 1 service_worker; gone: 1 popup\n", text, "targets")
  local old = table.concat(actions.status_lines({ session = "t", state = "running", counts = {}, dropped = {} }), "\n")
  eq(nil, old:find("targets", 1, true), "nothing said of targets without them")
  h.matches("tracking requests\n", old, "the drops line as before")
end)

-- The backend against test/fake-bdg-rpc, a shell stand-in for serve.
local fake = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/fake-bdg-rpc"

test("backend: lifecycle, a 10,000-message burst through jobstart, stop, shutdown and exit", function()
  h.with_notes(function(notes)
    local log = vim.fn.tempname()
    vim.env.FAKE_BDG_LOG, vim.env.FAKE_BDG_BURST = log, "10000"
    require("bdg").setup({ path = fake, redraw_ms = 50 })
    local bdg, backend = require("bdg"), require("bdg.backend")
    local view = bdg.console("f")
    local t0 = uv.hrtime()
    local err, r = h.await(5000, "session/start's answer", function(done)
      bdg.start("http://x/", { session = "f" }, done)
    end)
    ok(not err, "started: " .. vim.inspect(err))
    eq("Fake/1", r.chrome.version, "result")
    h.wait(10000, function()
      local last = vim.api.nvim_buf_get_lines(view.buf, -2, -1, false)[1] or ""
      return last:find("m10000 é", 1, true) ~= nil
    end, "10,000 messages in the console", function()
      return ("lines: %d, last: %s"):format(vim.api.nvim_buf_line_count(view.buf),
        vim.api.nvim_buf_get_lines(view.buf, -2, -1, false)[1])
    end)
    h.log("      10,000 messages through a real pipe, on screen in %.0f ms", (uv.hrtime() - t0) / 1e6)
    eq(10000, vim.api.nvim_buf_line_count(view.buf), "bounded to 10,000 lines")
    h.wait(2000, function()
      return bdg.session("f").network:get("r1") ~= nil
    end, "the request after the burst")
    eq("running", bdg.session("f").state, "running")

    h.await(5000, "session/stop's answer", function(done)
      bdg.stop("f", done)
    end)
    eq("ended", bdg.session("f").state, "ended")
    h.wait(5000, function()
      return not backend.is_running()
    end, "the backend released once no session needs it")
    h.matches("session f stopped after 1%.50 s: 1 requests, 3 console messages", notes[#notes].msg, "stop message")
    h.wait(5000, function()
      local lines = vim.fn.readfile(log)
      return lines[#lines] and lines[#lines]:find('"method":"exit"', 1, true)
    end, "exit sent", function()
      return table.concat(vim.fn.readfile(log), "\n")
    end)
    local lines = vim.fn.readfile(log)
    local init = compat.json_decode(lines[1])
    eq("initialize", init.method, "first message")
    eq({ name = "bdg.nvim", version = "0.1.0" }, init.params.clientInfo, "clientInfo")
    eq(vim.fn.getpid(), init.params.processId, "processId")
    eq("initialized", compat.json_decode(lines[2]).method, "then initialized")
    local start = compat.json_decode(lines[3])
    eq({ url = "http://x/", session = "f" }, start.params, "session/start params")
    eq({ "session/stop", "shutdown", "exit" }, {
      compat.json_decode(lines[4]).method, compat.json_decode(lines[5]).method, compat.json_decode(lines[6]).method,
    }, "then stop, shutdown, exit")
    vim.cmd("bwipeout! " .. view.buf)
    vim.fn.delete(log)
    vim.env.FAKE_BDG_LOG, vim.env.FAKE_BDG_BURST = nil, nil
  end)
end)

test("backend: events still in flight from a replaced process are ignored", function()
  h.with_notes(function()
    require("bdg").setup({ path = fake })
    local backend = require("bdg.backend")
    local ready
    backend.ensure(function(err)
      ready = err or true
    end)
    h.wait(5000, function()
      return ready ~= nil
    end, "the backend")
    eq(true, ready, "ready")
    local s = require("bdg.sessions").ensure("f")
    s:reset()
    s.via = "serve"
    local old = backend.client()
    backend.kill()
    old:handle_line('{"jsonrpc":"2.0","method":"console/message","params":{"session":"f","seq":50,'
      .. '"message":{"seq":50,"level":"log","source":"console","type":"log","text":"late","timestamp":1,"navigationId":1}}}')
    eq(0, s.last_seq, "the late event was not applied")
    eq(0, s.console.ring:len(), "nothing in the console")
  end)
end)

test("backend: a binary without `serve` is reported with its stderr and a hint", function()
  h.with_notes(function(notes)
    vim.env.FAKE_BDG_MODE = "exit"
    require("bdg").setup({ path = fake })
    local got = h.await(5000, "the error", function(done)
      require("bdg").status("f", done)
    end)
    vim.env.FAKE_BDG_MODE = nil
    h.matches('unknown command "serve"', got.message, "stderr quoted")
    h.matches("g:bdg_path", got.data.hint, "hint")
    h.matches("^bdg: no status for session f: bdg%-rpc serve exited %(status 81%)", notes[#notes].msg, "shown")
    eq(vim.log.levels.ERROR, notes[#notes].level, "as an error")
  end)
end)

test("backend: a missing binary, and a server error with its hint", function()
  h.with_notes(function(notes)
    require("bdg").setup({ path = "/nonexistent/bdg-rpc" })
    local got
    require("bdg").stop("f", function(err)
      got = err
    end)
    ok(got and got.message:find("not executable", 1, true), "not executable: " .. vim.inspect(got))
    h.matches("hint: put bdg%-rpc on PATH, or set g:bdg_path", notes[#notes].msg, "hint shown")
    require("bdg").setup({ path = fake })
    h.await(5000, "the error", function(done)
      require("bdg").status("f", done)
    end)
    h.matches('no status for session f: no session "f" is running %[no_session%]\nhint: start one', notes[#notes].msg, "shown with its hint")
    require("bdg.backend").shutdown()
    require("bdg").setup({})
  end)
end)

test(":BdgAttachTab: the menu's lines, title and URL, who watches the tab", function()
  local fmt = require("bdg.actions").format_tab
  eq("My app — http://localhost:3000/", fmt({ index = 1, id = "B", title = "My app", url = "http://localhost:3000/", attached = false }),
    "a tab nobody watches")
  eq("Inbox — https://mail.example.com/ [attached]", fmt({ title = "Inbox", url = "https://mail.example.com/", attached = true }),
    "another DevTools client is attached")
  eq("App — http://x/ [session app]", fmt({ title = "App", url = "http://x/", attached = true, session = "app" }),
    "a bdg-rpc session watches it")
  eq("about:blank", fmt({ title = "about:blank", url = "about:blank", attached = false, session = vim.NIL }),
    "a title that is its URL, once; null session")
  eq("http://x/", fmt({ title = "", url = "http://x/" }), "no title")
  eq("a b — http://x/", fmt({ title = "a\nb", url = "http://x/" }), "one line")
end)

-- sent_requests returns the methods and params of the requests in log.
local function sent_requests(log)
  local out = {}
  for _, l in ipairs(vim.fn.readfile(log)) do
    local m = compat.json_decode(l)
    if m.id and m.method ~= "initialize" and m.method ~= "shutdown" then
      out[#out + 1] = { m.method, m.params }
    end
  end
  return out
end

local function idle_f()
  local s = require("bdg.sessions").ensure("f")
  s:reset()
  s:set_state("idle")
  require("bdg.sessions").set_current("f")
  return s
end

test(":BdgAttachTab 9222: browser/tabs, a menu of the tabs, session/start with attach and the tab chosen", function()
  h.with_notes(function(notes)
    h.with_select(function(items)
      return items[2]
    end, function(menus)
      local log = vim.fn.tempname()
      vim.env.FAKE_BDG_LOG = log
      require("bdg").setup({ path = fake })
      local s = idle_f()
      vim.cmd("BdgAttachTab 9222")
      h.wait(5000, function()
        return s.state == "running" and s.network:len() == 1
      end, "the session running, its first event in", function()
        return vim.inspect({ state = s.state, notes = notes, menus = menus })
      end)
      eq({ { prompt = "Attach to tab:", lines = {
        "Inbox — https://mail.example.com/ [attached]",
        "My app — http://localhost:3000/",
        "about:blank [session other]",
      } } }, menus, "one menu of the three tabs")
      eq({
        { "browser/tabs", { endpoint = "9222" } },
        { "session/start", { session = "f", attach = "9222", tab = "BBBB2222" } },
      }, sent_requests(log), "what serve was asked")
      eq("attach", s.info.attach.captureFrom, "the attach info kept with the session")
      h.matches("^bdg: session f is watching My app: capture starts now; earlier requests are not in this session "
        .. "%(:BdgAttachTab! reloads", notes[#notes].msg, "the user told from when it captures")
      eq(vim.log.levels.INFO, notes[#notes].level, "as information")

      -- A session running here is not started again: no menu, no request.
      vim.cmd("BdgAttachTab 9222")
      eq(1, #menus, "no second menu")
      h.matches("^bdg: cannot attach session f: session f is running in this editor\nhint: :BdgStop f first",
        notes[#notes].msg, "told why")
      eq(2, #sent_requests(log), "nothing more sent")

      local stopped
      require("bdg").stop("f", function(err)
        stopped = err or true
      end)
      h.wait(5000, function()
        return stopped ~= nil and not require("bdg.backend").is_running()
      end, "the stop, and the backend let go")
      eq(true, stopped, "stopped")
      eq({ "session/stop", { session = "f" } }, sent_requests(log)[3], "session/stop detaches (no closeTab)")
      vim.fn.delete(log)
      vim.env.FAKE_BDG_LOG = nil
      require("bdg").setup({})
    end)
  end)
end)

test("attach_tab({tab, reload}): no menu, auto-connect; :BdgAttachTab! reloads; errors and a cancelled menu", function()
  h.with_notes(function(notes)
    h.with_select(function()
      return nil -- cancelled
    end, function(menus)
      local log = vim.fn.tempname()
      vim.env.FAKE_BDG_LOG = log
      require("bdg").setup({ path = fake })
      local bdg, backend = require("bdg"), require("bdg.backend")
      local s = idle_f()

      -- A tab given: straight to session/start, by auto-connect.
      local err, r = h.await(5000, "attach_tab's answer", function(done)
        bdg.attach_tab({ session = "f", tab = "CCCC", reload = true }, done)
      end)
      ok(not err, "attached: " .. vim.inspect(err))
      eq("reload", r.attach.captureFrom, "captured from the reload")
      eq(0, #menus, "no menu")
      eq({ { "session/start", { session = "f", autoConnect = true, tab = "CCCC", reload = true } } }, sent_requests(log),
        "session/start with autoConnect, tab and reload")
      h.matches("^bdg: session f is watching http://x/: reloaded, its load is captured", notes[#notes].msg, "told")
      eq("running", s.state, "running")
      backend.kill()
      idle_f()

      -- :BdgAttachTab! is the same with reload, after the menu; cancelled
      -- here: nothing started, the backend let go.
      vim.cmd("BdgAttachTab!")
      h.wait(5000, function()
        return #menus == 1 and not backend.is_running()
      end, "the menu, cancelled, and the backend let go")
      eq("idle", s.state, "nothing started")
      eq({ "browser/tabs", { autoConnect = true } }, sent_requests(log)[2], "auto-connect without an endpoint")
      eq(2, #sent_requests(log), "no session/start")

      -- browser/tabs fails: the message and its hint are shown.
      vim.env.FAKE_BDG_TABS = "none"
      local got
      bdg.attach_tab({ endpoint = "9333" }, function(e)
        got = e
      end)
      h.wait(5000, function()
        return got ~= nil and not backend.is_running()
      end, "the error, and the backend let go")
      vim.env.FAKE_BDG_TABS = nil
      eq("cdp_error", got.data.kind, "the error")
      eq(1, #menus, "no menu")
      eq("idle", s.state, "nothing started")
      eq(vim.log.levels.ERROR, notes[#notes].level, "shown as an error")
      h.matches("^bdg: cannot list the tabs of the Chrome at 9333: no Chrome at 9333 %[cdp_error%]\n"
        .. "hint: start Chrome with remote debugging$", notes[#notes].msg, "with its hint")
      vim.fn.delete(log)
      vim.env.FAKE_BDG_LOG = nil
      require("bdg").setup({})
    end)
  end)
end)

test(":BdgAttach after the backend died: since and epoch passed; a new run resets the stores", function()
  h.with_notes(function(notes)
    local log = vim.fn.tempname()
    vim.env.FAKE_BDG_LOG, vim.env.FAKE_BDG_BURST, vim.env.FAKE_BDG_EPOCH = log, "3", "e1"
    require("bdg").setup({ path = fake })
    local bdg, backend = require("bdg"), require("bdg.backend")
    local s = require("bdg.sessions").ensure("f")
    s:reset()
    s:set_state("idle")
    local started
    bdg.start("http://x/", { session = "f" }, function(err, r)
      started = { err, r }
    end)
    h.wait(5000, function()
      return started ~= nil and s.last_seq == 4
    end, "the start and its 4 events")
    ok(not started[1], "started: " .. vim.inspect(started[1]))
    eq("e1", s.epoch, "the run session/start reported")
    eq(1, s.network:len(), "a row")

    -- The backend dies; the same run is still there: resume after seq 4.
    backend.kill()
    eq("detached", s.state, "detached")
    vim.env.FAKE_BDG_LAST = "6"
    local got
    bdg.attach("f", {}, function(err, r)
      got = { err, r }
    end)
    h.wait(5000, function()
      return got ~= nil and s.last_seq == 6
    end, "the attach and events 5, 6", function()
      return vim.inspect({ got = got, texts = h.texts(s) })
    end)
    ok(not got[1], "attached: " .. vim.inspect(got[1]))
    eq(nil, got[2].reset, "the same run")
    eq({ "m1 é", "m2 é", "m3 é", "e1 m5", "e1 m6" }, h.texts(s), "kept, and continued without repeats")
    eq(1, s.network:len(), "the row kept")
    eq("running", s.state, "running")
    h.matches("attached to session f via bdg%-rpc serve .*, events after seq 4", notes[#notes].msg, "told")

    -- It dies again, and meanwhile the session is started again (run e2).
    backend.kill()
    vim.env.FAKE_BDG_EPOCH, vim.env.FAKE_BDG_LAST = "e2", "2"
    local resets = 0
    local unsubscribe = s:on_change(function(what)
      if what == "reset" then
        resets = resets + 1
        eq({}, h.texts(s), "emptied before any event of the new run")
      end
    end)
    got = nil
    bdg.attach("f", {}, function(err, r)
      got = { err, r }
    end)
    h.wait(5000, function()
      return got ~= nil and s.last_seq == 2
    end, "the new run's events 1, 2", function()
      return vim.inspect({ got = got, texts = h.texts(s), last_seq = s.last_seq })
    end)
    unsubscribe()
    ok(not got[1], "attached: " .. vim.inspect(got[1]))
    eq(true, got[2].reset, "reset")
    eq(1, resets, "the views told once")
    eq({ "e2 m1", "e2 m2" }, h.texts(s), "only the new run, from its first event")
    eq(0, s.network:len(), "the old run's rows gone")
    eq("e2", s.epoch, "the new run followed")
    h.matches("started again since: showing its new run %(epoch e2%) from the start", notes[#notes].msg, "told")

    -- What was sent: session/attach with since and epoch, each time.
    local attaches = {}
    for _, l in ipairs(vim.fn.readfile(log)) do
      local m = compat.json_decode(l)
      if m.method == "session/attach" then
        attaches[#attaches + 1] = m.params
      end
    end
    eq({ { session = "f", since = 4, epoch = "e1" }, { session = "f", since = 6, epoch = "e1" } }, attaches,
      "session/attach params")
    backend.kill()
    vim.fn.delete(log)
    vim.env.FAKE_BDG_LOG, vim.env.FAKE_BDG_BURST, vim.env.FAKE_BDG_EPOCH, vim.env.FAKE_BDG_LAST = nil, nil, nil, nil
    require("bdg").setup({})
  end)
end)

-- A stand-in for a session worker's socket, of run epoch (default "w1"): it
-- answers events/subscribe and sends one console message, seq since+1, or
-- seq 1 when the epoch asked for is another run's (reset); lines holds what
-- it read.
local function fake_worker(session, epoch)
  epoch = epoch or "w1"
  local path = vim.fn.tempname() .. ".sock"
  local server = uv.new_pipe(false)
  assert(server:bind(path))
  local lines, conns = {}, {}
  server:listen(4, function()
    local conn = uv.new_pipe(false)
    server:accept(conn)
    conns[#conns + 1] = conn
    local buf = ""
    conn:read_start(function(_, data)
      if not data then
        return conn:close()
      end
      buf = buf .. data
      for line in buf:gmatch("([^\n]*)\n") do
        lines[#lines + 1] = line
        local id = line:match('"id":(%d+)')
        if id and line:find("events", 1, true) and line:find("subscribe", 1, true) then
          local since = tonumber(line:match('"since":(%d+)')) or 0
          local asked = line:match('"epoch":"([^"]*)"')
          local reset = asked ~= nil and asked ~= epoch
          local seq = reset and 1 or since + 1
          conn:write(('{"jsonrpc":"2.0","id":%s,"result":{"lastSeq":%d,"oldestSeq":1,"epoch":"%s"%s}}\n'):format(
            id, seq, epoch, reset and ',"reset":true' or ""))
          conn:write(('{"jsonrpc":"2.0","method":"console/message","params":{"session":"%s","seq":%d,"message":'
            .. '{"seq":%d,"level":"log","source":"console","type":"log","text":"via the socket %s %d","timestamp":1,'
            .. '"navigationId":1}}}\n'):format(session, seq, seq, epoch, seq))
        end
      end
      buf = buf:match("[^\n]*$")
    end)
  end)
  return {
    path = path,
    lines = lines,
    close = function()
      for _, c in ipairs(conns) do
        if not c:is_closing() then
          c:close()
        end
      end
      server:close()
      vim.fn.delete(path)
    end,
  }
end

test(":BdgAttach!: the socket is session/status's socketPath, the backend let go after", function()
  h.with_notes(function(notes)
    local backend = require("bdg.backend")
    backend.kill()
    local worker = fake_worker("sock")
    local log = vim.fn.tempname()
    vim.env.FAKE_BDG_SOCKET, vim.env.FAKE_BDG_LOG = worker.path, log
    require("bdg").setup({ path = fake })
    local got
    require("bdg").attach("sock", { direct = true }, function(err, r)
      got = { err, r }
    end)
    h.wait(5000, function()
      return got ~= nil
    end, "the attach")
    ok(not got[1], "attached: " .. vim.inspect(got[1]))
    eq(1, got[2].oldestSeq, "events/subscribe's result")
    local s = require("bdg").session("sock")
    eq("running", s.state, "running")
    eq("socket", s.via, "via the socket")
    ok(s.socket and s.socket:is_open(), "connected")
    h.wait(2000, function()
      return s.last_seq == 1
    end, "the event from the socket")
    eq("via the socket w1 1", s.console.ring:get(1).message.text, "in the console")
    eq("w1", s.epoch, "the run events/subscribe reported")
    local subscribe = compat.json_decode(worker.lines[1])
    eq({ "events/subscribe", 0 }, { subscribe.method, subscribe.params.since }, "subscribed from the first event")
    local asked = compat.json_decode(vim.fn.readfile(log)[3])
    eq({ "session/status", { session = "sock" } }, { asked.method, asked.params }, "the backend was asked")
    h.wait(5000, function()
      return not backend.is_running()
    end, "the backend let go: no session needs it")
    h.matches("attached to session sock via its socket", notes[#notes].msg, "told")
    require("bdg.socket").close(s)
    worker.close()
    vim.fn.delete(log)
    vim.env.FAKE_BDG_SOCKET, vim.env.FAKE_BDG_LOG = nil, nil
    require("bdg").setup({})
  end)
end)

test(":BdgAttach! again: since and epoch passed; a worker of a new run resets the stores", function()
  h.with_notes(function(notes)
    local backend = require("bdg.backend")
    backend.kill()
    local worker = fake_worker("sock")
    vim.env.FAKE_BDG_SOCKET = worker.path
    require("bdg").setup({ path = fake })
    local s = require("bdg.sessions").ensure("sock")
    require("bdg.socket").close(s)
    s:reset()
    local function attach()
      local got
      require("bdg").attach("sock", { direct = true }, function(err, r)
        got = { err, r }
      end)
      h.wait(5000, function()
        return got ~= nil
      end, "the attach")
      ok(not got[1], "attached: " .. vim.inspect(got[1]))
      return got[2]
    end
    attach()
    h.wait(2000, function()
      return s.last_seq == 1
    end, "event 1")
    -- Again, on the same run: after seq 1.
    local r = attach()
    eq(nil, r.reset, "the same run")
    h.wait(2000, function()
      return s.last_seq == 2
    end, "event 2")
    eq({ "via the socket w1 1", "via the socket w1 2" }, h.texts(s), "continued")
    local sub = compat.json_decode(worker.lines[#worker.lines])
    eq({ "events/subscribe", { since = 1, epoch = "w1" } }, { sub.method, sub.params }, "since and epoch passed")
    h.matches("attached to session sock via its socket, events after seq 1", notes[#notes].msg, "told")

    -- The worker goes (the session was stopped) and another run comes.
    worker.close()
    h.wait(2000, function()
      return s.state == "detached"
    end, "the connection lost", function()
      return s.state
    end)
    local worker2 = fake_worker("sock", "w2")
    vim.env.FAKE_BDG_SOCKET = worker2.path
    r = attach()
    eq(true, r.reset, "a new run")
    h.wait(2000, function()
      return s.last_seq == 1 and s.console.ring:len() == 1
    end, "the new run's event 1", function()
      return vim.inspect(h.texts(s))
    end)
    eq({ "via the socket w2 1" }, h.texts(s), "only the new run")
    eq("w2", s.epoch, "the new run followed")
    sub = compat.json_decode(worker2.lines[1])
    eq({ since = 2, epoch = "w1" }, sub.params, "the old run's since and epoch passed")
    h.matches("started again since: showing its new run %(epoch w2%)", notes[#notes].msg, "told")
    require("bdg.socket").close(s)
    worker2.close()
    vim.env.FAKE_BDG_SOCKET = nil
    h.wait(5000, function()
      return not backend.is_running()
    end, "the backend let go")
    require("bdg").setup({})
  end)
end)

test(":BdgAttach!: no socketPath (starting, or no session) is an error with a hint", function()
  h.with_notes(function(notes)
    require("bdg").setup({ path = fake })
    local got
    require("bdg").attach("starting", { direct = true }, function(err)
      got = err
    end)
    h.wait(5000, function()
      return got ~= nil
    end, "the error")
    h.matches("^session starting is starting: there is no worker socket", got.message, "message")
    h.matches(":BdgAttach! starting again in a moment", got.data.hint, "hint")
    h.matches("^bdg: cannot attach to session starting: .*\nhint: its worker is still starting", notes[#notes].msg, "shown")
    eq(vim.log.levels.ERROR, notes[#notes].level, "as an error")
    local s = require("bdg").session("starting")
    ok(s.socket == nil and s.state == "idle", "not attached: " .. s.state)
    got = nil
    require("bdg").attach("f", { direct = true }, function(err)
      got = err
    end)
    h.wait(5000, function()
      return got ~= nil
    end, "the error")
    h.matches('no session "f" is running', got.message, "the backend's error")
    h.matches("cannot attach to session f: .*%[no_session%]\nhint: start one", notes[#notes].msg, "with its hint")
    h.wait(5000, function()
      return not require("bdg.backend").is_running()
    end, "the backend let go")
    require("bdg").setup({})
  end)
end)

test("format: JSON indented for people: keys sorted, empty objects and arrays, numbers and strings as JavaScript writes them", function()
  local format = require("bdg.ui.format")
  local value = compat.json_decode('{"n":42,"list":[1,2.5,"a/b"],"empty":{},"none":[],"nested":{"z":null,"t":true}}')
  eq({
    "{",
    '  "empty": {},',
    '  "list": [',
    "    1,",
    "    2.5,",
    '    "a/b"',
    "  ],",
    '  "n": 42,',
    '  "nested": {',
    '    "t": true,',
    '    "z": null',
    "  },",
    '  "none": []',
    "}",
  }, format.json_lines(value), "an object")
  eq({ "[]" }, format.json_lines(compat.json_decode("[]")), "an empty array")
  eq({ "{}" }, format.json_lines(compat.json_decode("{}")), "an empty object")
  local numbers = compat.json_decode("[9007199254740991,0.1,-0.5,1e21,0.30000000000000004,-3]")
  eq({ "[", "  9007199254740991,", "  0.1,", "  -0.5,", "  1e+21,", "  0.30000000000000004,", "  -3", "]" },
    format.json_lines(numbers), "numbers in full, shortest form")
  eq({ '"q\\" b\\\\ n\\n t\\t c\\u0001 é /"' }, format.json_lines('q" b\\ n\n t\t c\1 é /'), "a string quoted")
end)

test("format: how page/evaluate's results are shown", function()
  local format = require("bdg.ui.format")
  local kind, what = format.eval_result({ type = "number", value = 42, text = "42" })
  eq({ "text", "42" }, { kind, what }, "a number: its text")
  kind, what = format.eval_result({ type = "string", value = "hi", text = '"hi"' })
  eq({ "text", '"hi"' }, { kind, what }, "a string on one line: its text, quoted as DevTools does")
  kind, what = format.eval_result({ type = "object", subtype = "node", text = "form#login.card", valueOmitted = "not serializable" })
  eq({ "text", "form#login.card" }, { kind, what }, "no value: its text")
  kind, what = format.eval_result({ type = "object", value = vim.empty_dict(), text = "{}" })
  eq({ "text", "{}" }, { kind, what }, "an empty object fits a line")
  kind, what = format.eval_result({ type = "undefined", value = vim.NIL, text = "undefined" })
  eq({ "text", "undefined" }, { kind, what }, "null value")
  local ft
  kind, what, ft = format.eval_result({ type = "object", subtype = "array", value = { 1, 2 }, text = "(2) [1, 2]" })
  eq({ "lines", { "[", "  1,", "  2", "]" }, "json" }, { kind, what, ft }, "an array: indented JSON")
  kind, what, ft = format.eval_result({ type = "string", value = "one\r\ntwo", text = '"one\\r\\ntwo"' })
  eq({ "lines", { "one", "two" }, "text" }, { kind, what, ft }, "a string of lines: its lines")
  kind, what = format.eval_result({ type = "object", text = "Error: boom",
    exception = { text = "Uncaught Error: boom", stack = "    at <anonymous>:1:7\n    at go (http://x/a.js:3:1)\n" } })
  eq({ "exception", "Uncaught Error: boom\n    at <anonymous>:1:7\n    at go (http://x/a.js:3:1)" }, { kind, what },
    "an exception with its stack")
  kind, what = format.eval_result({ type = "number", text = "42", exception = { text = "Uncaught (in promise) 42", stack = vim.NIL } })
  eq({ "exception", "Uncaught (in promise) 42" }, { kind, what }, "an exception without a stack")
  eq("http://x/ (navigation 3, load)", format.navigation({ navigationId = 3, url = "http://x/", waitedFor = "load" }),
    "a navigation")
end)

-- drive_setup points the plugin at the fake serve, logging to a new file,
-- with session f current and idle; it returns the log.
local function drive_setup()
  local log = vim.fn.tempname()
  vim.env.FAKE_BDG_LOG = log
  require("bdg").setup({ path = fake })
  idle_f()
  return log
end

local function drive_teardown(log)
  require("bdg.backend").kill()
  vim.fn.delete(log)
  vim.env.FAKE_BDG_LOG, vim.env.FAKE_BDG_SHOT = nil, nil
  require("bdg").setup({})
end

-- wait_note waits for the message after the first n and returns it.
local function wait_note(notes, n, what)
  return h.wait_note(notes, n, nil, 5000, what)
end

test(":BdgEval: page/evaluate with awaitPromise; a value shown as its text, an object in bdg://NAME/eval as JSON", function()
  h.with_notes(function(notes)
    local log = drive_setup()
    vim.cmd("BdgEval 6 * 7 | 0")
    local note = wait_note(notes, 0, "the value")
    eq({ msg = "bdg: 42", level = vim.log.levels.INFO }, note, "shown as a message")
    eq({ { "page/evaluate", { session = "f", expression = "6 * 7 | 0", awaitPromise = true } } }, sent_requests(log),
      "the whole line, | included, awaited")

    local win = vim.api.nvim_get_current_win()
    vim.cmd("vertical BdgEval ({obj: 1})")
    h.wait(5000, function()
      return vim.api.nvim_buf_get_name(0):find("bdg://f/eval", 1, true) ~= nil
    end, "the value's buffer")
    local buf = vim.api.nvim_get_current_buf()
    eq("json", vim.bo[buf].filetype, "JSON")
    eq("nofile", vim.bo[buf].buftype, "a scratch buffer")
    eq(false, vim.bo[buf].modifiable, "read-only")
    local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    eq("{", lines[1], "indented JSON")
    eq({ '  "empty": {},', '  "n": 42,' }, { lines[2], lines[8] }, "keys sorted")
    eq(1, #notes, "no message besides")
    ok(vim.api.nvim_win_get_width(0) < vim.o.columns, "in a vertical split")

    -- From Lua: the result and the buffer, refilled with a string's lines.
    local err, result, buf2 = h.await(5000, "eval's answer", function(done)
      require("bdg").eval("lines", done)
    end)
    ok(not err, "no error: " .. vim.inspect(err))
    eq("one\ntwo", result.value, "the result")
    eq(buf, buf2, "the same buffer")
    eq({ "one", "two" }, vim.api.nvim_buf_get_lines(buf, 0, -1, false), "its lines")
    eq("text", vim.bo[buf].filetype, "as text")
    eq(1, #vim.fn.win_findbuf(buf), "in the same window")
    vim.cmd("close")
    eq(win, vim.api.nvim_get_current_win(), "closed")

    -- show = false: the result only; frame and await passed.
    err, result = h.await(5000, "eval's answer", function(done)
      require("bdg").eval("7", { show = false, await = false, frame = "F1", session = "f" }, done)
    end)
    eq({ nil, 42 }, { err, result.value }, "the value")
    eq(1, #notes, "nothing shown")
    local sent = sent_requests(log)
    eq({ "page/evaluate", { session = "f", expression = "7", awaitPromise = false, frame = "F1" } }, sent[#sent],
      "frame, and no await")
    drive_teardown(log)
  end)
end)

test(":BdgEval: an exception with its stack, and an error with its hint", function()
  h.with_notes(function(notes)
    local log = drive_setup()
    vim.cmd("BdgEval go('boom')")
    local note = wait_note(notes, 0, "the exception")
    eq(vim.log.levels.ERROR, note.level, "as an error")
    eq("bdg: Uncaught Error: boom\n    at <anonymous>:1:7\n    at go (http://x/app.js:3:1)", note.msg, "its text and stack")
    local err, result = h.await(5000, "eval's answer", function(done)
      require("bdg").eval("boom", { show = false }, done)
    end)
    eq(nil, err, "a throw is not an error of the call")
    eq("Uncaught Error: boom", result.exception.text, "the exception in the result")

    err = h.await(5000, "eval's error", function(done)
      require("bdg").eval("1", { session = "nobody" }, done)
    end)
    eq("no_session", err.data.kind, "the error")
    eq(vim.log.levels.ERROR, notes[#notes].level, "shown as an error")
    eq('bdg: cannot evaluate in session nobody: no session "nobody" is running [no_session]\nhint: start one',
      notes[#notes].msg, "with its hint")
    h.wait(5000, function()
      return not require("bdg.backend").is_running()
    end, "the backend let go: no session needs it")
    drive_teardown(log)
  end)
end)

test(":BdgReload[!], :BdgNavigate: where the page is, the navigation's id; an invalid URL with its hint", function()
  h.with_notes(function(notes)
    local log = drive_setup()
    vim.cmd("BdgReload!")
    eq("bdg: session f reloaded: http://x/ (navigation 2, load)", wait_note(notes, 0, "the reload").msg, "told")
    vim.cmd("BdgNavigate http://x/next")
    eq("bdg: session f navigated to http://x/next (navigation 3, load)", wait_note(notes, 1, "the navigation").msg, "told")
    eq({
      { "page/reload", { session = "f", ignoreCache = true } },
      { "page/navigate", { session = "f", url = "http://x/next" } },
    }, sent_requests(log), "what serve was asked")
    local err, result = h.await(5000, "reload's answer", function(done)
      require("bdg").reload({ wait_until = "commit", timeout_ms = 5000 }, done)
    end)
    eq({ nil, 2 }, { err, result.navigationId }, "the result")
    eq({ "page/reload", { session = "f", waitUntil = "commit", timeout = 5000 } }, sent_requests(log)[3], "its options")
    err = h.await(5000, "navigate's error", function(done)
      require("bdg").navigate("nope", {}, done)
    end)
    eq("invalid_url", err.data.kind, "the error")
    eq('bdg: cannot navigate session f to nope: invalid URL "nope" [invalid_url]\nhint: give a full URL',
      notes[#notes].msg, "shown with its hint")
    eq(vim.log.levels.ERROR, notes[#notes].level, "as an error")
    drive_teardown(log)
  end)
end)

test(":BdgScreenshot [file]: the file the backend wrote, copied where asked; an older bdg-rpc says so", function()
  h.with_notes(function(notes)
    local log = drive_setup()
    -- A bdg-rpc without page/screenshot.
    vim.cmd("BdgScreenshot")
    local note = wait_note(notes, 0, "the error")
    eq('bdg: no screenshot of session f: Method not found: "page/screenshot"\n'
      .. "hint: this bdg-rpc has no page/screenshot: update it (make build)", note.msg, "what to do")

    local dir = vim.fn.tempname()
    vim.fn.mkdir(dir, "p")
    vim.env.FAKE_BDG_SHOT = dir .. "/shot-1.png"
    vim.cmd("BdgScreenshot")
    eq(("bdg: screenshot of session f: %s/shot-1.png (800x600 png, 8 B)"):format(dir),
      wait_note(notes, 1, "the screenshot").msg, "where it is")
    eq({ "page/screenshot", { session = "f" } }, sent_requests(log)[2], "asked for the viewport")

    -- Copied to a file (the name expanded as :write does), into a directory.
    vim.fn.mkdir(dir .. "/out", "p")
    vim.env.SHOTS = dir .. "/out"
    vim.cmd("BdgScreenshot $SHOTS/page.png")
    eq(("bdg: screenshot of session f saved to %s/out/page.png (800x600 png, 8 B)"):format(dir),
      wait_note(notes, 2, "the copy").msg, "where it went")
    eq({ "fake png" }, vim.fn.readfile(dir .. "/out/page.png"), "the file copied")
    local err, result, file = h.await(5000, "screenshot's answer", function(done)
      require("bdg").screenshot(dir .. "/out", {}, done)
    end)
    eq({ nil, 800, dir .. "/out/shot-1.png" }, { err, result.width, file }, "into a directory, under its own name")
    eq({ "fake png" }, vim.fn.readfile(dir .. "/out/shot-1.png"), "that one too")

    err = h.await(5000, "the copy's error", function(done)
      require("bdg").screenshot(dir .. "/nowhere/x.png", {}, done)
    end)
    h.matches("^cannot copy .*/shot%-1%.png to .*/nowhere/x%.png: ", err.message, "the copy failed")
    h.matches("\nhint: the screenshot is still at " .. vim.pesc(dir) .. "/shot%-1%.png$", notes[#notes].msg, "where it is")
    vim.env.SHOTS = nil
    vim.fn.delete(dir, "rf")
    drive_teardown(log)
  end)
end)

test("VimLeavePre: the backend gets shutdown and exit, and is gone", function()
  h.with_notes(function()
    local log = vim.fn.tempname()
    vim.env.FAKE_BDG_LOG = log
    require("bdg").setup({ path = fake })
    local backend = require("bdg.backend")
    local ready
    backend.ensure(function(err)
      ready = err or true
    end)
    h.wait(5000, function()
      return ready ~= nil
    end, "the backend")
    local pid = backend.info().pid
    ok(pid and uv.kill(pid, 0) == 0, "serve runs")
    vim.cmd("doautocmd VimLeavePre")
    ok(not backend.is_running(), "not running")
    h.wait(2000, function()
      return uv.kill(pid, 0) ~= 0
    end, "the process to be gone")
    local methods = {}
    for _, l in ipairs(vim.fn.readfile(log)) do
      methods[#methods + 1] = compat.json_decode(l).method
    end
    eq({ "initialize", "initialized", "shutdown", "exit" }, methods, "what serve was sent")
    vim.fn.delete(log)
    vim.env.FAKE_BDG_LOG = nil
    require("bdg").setup({})
  end)
end)

test("sources: a line's place, and a source URL's workspace file", function()
  local sources = require("bdg.sources")
  eq({ url = "http://h:8080/app.js", line = 1, column = 166 }, sources.place_in("    at a (http://h:8080/app.js:1:166)"), "a frame")
  eq({ url = "http://h/app.js", line = 3, column = 9 }, sources.place_in("At: http://h/app.js:3:9"), "the At: line")
  eq(nil, sources.place_in("Error: boom"), "no place")
  local files = {
    ["/ws/src/app.ts"] = true,
    ["/elsewhere/lib/util.ts"] = true,
    ["/ws/src/with space.ts"] = true,
  }
  local exists = function(p)
    return files[p] == true
  end
  local cases = {
    { "webpack:///src/app.ts", "/ws/src/app.ts" },
    { "webpack://my-app/./src/app.ts", "/ws/src/app.ts" },
    { "http://localhost:5173/src/app.ts?t=17", "/ws/src/app.ts" },
    { "http://localhost:5173/src/with%20space.ts", "/ws/src/with space.ts" },
    { "http://localhost:5173/@fs/elsewhere/lib/util.ts", "/elsewhere/lib/util.ts" },
    { "file:///elsewhere/lib/util.ts", "/elsewhere/lib/util.ts" },
    { "src/app.ts", "/ws/src/app.ts" },
    { "http://localhost:5173/../../etc/passwd", nil },
    { "webpack:///webpack/bootstrap", nil },
    { "chrome-extension://abc/x.js", nil },
  }
  for _, c in ipairs(cases) do
    eq(c[2], sources.local_file(c[1], "/ws", exists), c[1])
  end
end)

test("format: a console line shows its original place when one is known", function()
  local format = require("bdg.ui.format")
  local e = { kind = "message", message = { level = "log", text = "hi", timestamp = 0, url = "http://h/app.js", line = 1, column = 5 } }
  h.matches("%(app%.js:1%)$", (format.console_entry(e)), "the script's place")
  h.matches("%(src/app%.ts:17%)$", (format.console_entry(e, function()
    return "src/app.ts:17"
  end)), "the original's")
  h.matches("%(app%.js:1%)$", (format.console_entry(e, function()
    return nil
  end)), "none known: the script's")
end)

test("config: path unset finds bin/bdg-rpc of the plugin's repository (make build), else bdg-rpc on PATH", function()
  local config = require("bdg.config")
  config.setup({})
  local saved = vim.g.bdg_path
  vim.g.bdg_path = nil
  local root = vim.fn.fnamemodify(vim.env.BDG_RPC or "", ":p:h:h")
  eq(root .. "/bin/bdg-rpc", config.repo_binary(), "the repository's bin/bdg-rpc")
  if vim.fn.executable(config.repo_binary()) == 1 then
    eq(config.repo_binary(), config.get("path"), "found when built")
  end
  config.setup({ path = "/opt/bdg-rpc" })
  eq("/opt/bdg-rpc", config.get("path"), "a path set wins")
  config.setup({})
  vim.g.bdg_path = saved
end)
