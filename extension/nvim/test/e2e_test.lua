-- End to end: the plugin, as a user drives it, against the real
-- `bdg-rpc serve` and headless Chromium, on testdata/fixtures/everything.html
-- served from this Neovim. Needs $BDG_RPC (the binary) or bin/bdg-rpc.
local h = require("harness")
local test, eq, ok = h.test, h.eq, h.ok

local api = vim.api
local uv = vim.uv or vim.loop

local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local root = vim.fn.fnamemodify(here, ":h:h:h")

-- Chrome can take a while on a busy 2-core machine.
local START_MS = 90000
local EVENTS_MS = 30000

local bin = os.getenv("BDG_RPC")
if not bin or bin == "" then
  bin = root .. "/bin/bdg-rpc"
end

-- A BDG_HOME of its own (test/run.sh gives one it cleans up after).
local home = os.getenv("BDG_NVIM_TEST_HOME")
if not home or home == "" then
  home = vim.fn.tempname() .. "-bdg-home"
end
vim.fn.mkdir(home, "p")
vim.env.BDG_HOME = home
vim.env.BDG_SESSION = nil

require("bdg").setup({ path = bin, redraw_ms = 50, log_file = home .. "/serve.log" })

-- Capture what the plugin tells the user, and show it in the test output.
local notes, restore_notify = h.capture_notes(true)

local fixtures = require("fixture_server").start(root .. "/testdata/fixtures")

local function buf_lines(buf)
  if not buf or not api.nvim_buf_is_valid(buf) then
    return {}
  end
  return api.nvim_buf_get_lines(buf, 0, -1, false)
end

local function find_line(buf, needle)
  for i, l in ipairs(buf_lines(buf)) do
    if l:find(needle, 1, true) then
      return i, l
    end
  end
end

local function dump(buf)
  return function()
    return "buffer:\n  " .. table.concat(buf_lines(buf), "\n  ")
      .. "\nserve.log (tail):\n  " .. table.concat(vim.fn.readfile(home .. "/serve.log", "", -15), "\n  ")
  end
end

local function bdg_session(name)
  return require("bdg").session(name)
end

local function wait_state(name, state, ms)
  h.wait(ms, function()
    local s = bdg_session(name)
    return s and s.state == state
  end, ("session %s to be %s"):format(name, state), function()
    local s = bdg_session(name)
    local errs = {}
    for _, n in ipairs(notes) do
      if n.level and n.level >= vim.log.levels.WARN then
        errs[#errs + 1] = n.msg
      end
    end
    return ("state: %s\nwarnings/errors:\n%s"):format(s and s.state or "none", table.concat(errs, "\n"))
  end)
end

local function hl_groups(buf, lnum)
  local groups = {}
  local marks = api.nvim_buf_get_extmarks(buf, require("bdg.ui.highlight").ns, { lnum - 1, 0 }, { lnum - 1, -1 },
    { details = true })
  for _, m in ipairs(marks) do
    groups[#groups + 1] = m[4] and m[4].hl_group
  end
  return groups
end

local function count_lines(buf, needle)
  local n = 0
  for _, l in ipairs(buf_lines(buf)) do
    if l:find(needle, 1, true) then
      n = n + 1
    end
  end
  return n
end

local function pid_alive(pid)
  return pid and uv.kill(pid, 0) == 0
end

local function has_message(s, text)
  return vim.tbl_contains(h.texts(s), text)
end

local function has_request(s, needle)
  for _, row in pairs(s.network.rows) do
    if row.request.url:find(needle, 1, true) then
      return true
    end
  end
  return false
end

local function cleanup()
  pcall(function()
    for _, s in ipairs(require("bdg.sessions").all()) do
      if s:is_live() or s.state == "detached" then
        vim.fn.system({ bin, "stop", "--session", s.name })
      end
    end
  end)
  pcall(require("bdg.actions").teardown)
  fixtures.close()
  restore_notify()
  vim.fn.delete(home, "rf")
end

test("e2e: :BdgStart streams the fixture's console and network into the buffers", function()
  local url = fixtures.url("everything.html")
  vim.cmd("BdgStart " .. url)
  wait_state("default", "running", START_MS)
  local s = bdg_session("default")
  ok(s.info and s.info.pid, "session/start answered with the worker's pid")

  vim.cmd("BdgConsole")
  local console = api.nvim_get_current_buf()
  eq("bdgconsole", vim.bo[console].filetype, "console buffer")
  h.wait(EVENTS_MS, function()
    return find_line(console, "everything done") ~= nil
  end, "the console to show 'everything done'", dump(console))
  for _, want in ipairs({
    { "hello from the fixture", "log" },
    { "a debug line", "debug", "BdgConsoleDebug" },
    { "an info line", "info", "BdgConsoleInfo" },
    { "a warning line", "warning", "BdgConsoleWarning" },
    { "an error line", "error", "BdgConsoleError" },
    { "fixture exception", "error", "BdgConsoleError" },
    { "data 42", "info" },
    { "missing status 404", "warning" },
  }) do
    local lnum, line = find_line(console, want[1])
    ok(lnum, ("console has %q\n%s"):format(want[1], dump(console)()))
    h.matches("^%d%d:%d%d:%d%d%.%d%d%d " .. want[2] .. " ", line, "level of " .. want[1])
    if want[3] then
      eq({ want[3] }, hl_groups(console, lnum), "highlight of " .. want[1])
    end
  end
  h.matches("{a: 1, b: \"two\"} %[1, 2, 3%]", select(2, find_line(console, "hello from the fixture")), "objects rendered")
  h.matches("Uncaught", select(2, find_line(console, "fixture exception")), "the exception")

  vim.cmd("BdgNetwork")
  local network = api.nvim_get_current_buf()
  eq("bdgnetwork", vim.bo[network].filetype, "network buffer")
  local data_url, missing_url = fixtures.url("data.json"), fixtures.url("missing")
  h.wait(EVENTS_MS, function()
    local _, d = find_line(network, data_url)
    local _, m = find_line(network, missing_url)
    return d and d:find(" ms$") and m and m:find(" ms$")
  end, "data.json and /missing to finish in the network buffer", dump(network))
  local page_lnum, page = find_line(network, url)
  h.matches("^GET     200  " .. vim.pesc(url) .. "  %d+ ms$", page, "the page")
  h.matches("^GET     200  " .. vim.pesc(data_url) .. "  %d+ ms$", select(2, find_line(network, data_url)), "data.json")
  local missing_lnum, missing = find_line(network, missing_url)
  h.matches("^GET     404  " .. vim.pesc(missing_url) .. "  %d+ ms$", missing, "/missing")
  eq({ "BdgNetworkError" }, hl_groups(network, missing_lnum), "a 404 is highlighted as an error")
  eq({}, hl_groups(network, page_lnum), "a 200 is not")
  local ids = {}
  for _, r in pairs(s.network.rows) do
    ok(not ids[r.request.requestId], "one row per requestId")
    ids[r.request.requestId] = true
  end
  eq(s.network:len(), #buf_lines(network), "one line per request")

  -- <CR> on data.json: its headers and body, from network/get.
  local data_lnum = find_line(network, data_url)
  api.nvim_win_set_cursor(0, { data_lnum, 0 })
  api.nvim_feedkeys(api.nvim_replace_termcodes("<CR>", true, false, true), "x", false)
  h.wait(10000, function()
    return api.nvim_buf_get_name(0):find("bdg://default/request/", 1, true) ~= nil
  end, "the request's buffer")
  local detail = api.nvim_get_current_buf()
  local text = table.concat(buf_lines(detail), "\n")
  h.matches("^GET " .. vim.pesc(data_url) .. "\nStatus: 200 OK", text, "request line and status")
  h.matches("Response headers\n.*Content%-Type: application/json", text, "response headers")
  h.matches("Request headers\n", text, "request headers")
  h.matches('Response body %(8 B%)\n{"n":42}$', text, "the body")
  vim.cmd("close")

  -- :BdgStatus tells the state.
  local before = #notes
  vim.cmd("BdgStatus")
  h.wait(10000, function()
    return #notes > before
  end, "the status")
  h.matches("^bdg: session default: running %(pid %d+%)", notes[#notes].msg, "status")
  h.matches("captured: %d+ requests, %d+ console messages", notes[#notes].msg, "counts")

  -- :BdgStop ends it: session/ended, session.json, no worker, no backend.
  local worker = s.info.pid
  local serve_pid = require("bdg.backend").info().pid
  ok(pid_alive(serve_pid), "bdg-rpc serve runs")
  vim.cmd("BdgStop")
  wait_state("default", "ended", 30000)
  h.wait(5000, function()
    return find_line(console, "session ended: stopped") ~= nil
  end, "the end in the console", dump(console))
  local out = home .. "/sessions/default/session.json"
  ok(vim.fn.filereadable(out) == 1, "session.json written")
  local doc = vim.json.decode(table.concat(vim.fn.readfile(out), "\n"))
  eq("stopped", doc.reason, "session.json reason")
  h.wait(5000, function()
    return not pid_alive(worker)
  end, "the worker to exit")
  h.wait(5000, function()
    return not require("bdg.backend").is_running() and not pid_alive(serve_pid)
  end, "bdg-rpc serve to exit once no session needs it")
end)

test("e2e: a session outlives the backend; :BdgAttach and :BdgAttach! rejoin it", function()
  local url = fixtures.url("everything.html")
  local err, started = h.await(START_MS, "session two to start", function(done)
    require("bdg").start(url, { session = "two" }, done)
  end)
  ok(not err, "started: " .. vim.inspect(err))
  local console = require("bdg").console("two").buf
  h.wait(EVENTS_MS, function()
    return find_line(console, "everything done") ~= nil
  end, "session two's console", dump(console))

  -- The backend goes away (as when the editor restarts); the worker stays.
  require("bdg.backend").kill()
  wait_state("two", "detached", 5000)
  ok(pid_alive(started.pid), "the worker outlives the backend")

  -- Through a new backend: session/attach from the first event.
  vim.cmd("BdgAttach two")
  wait_state("two", "running", 20000)
  h.wait(EVENTS_MS, function()
    return find_line(console, "everything done") ~= nil and find_line(console, "hello from the fixture") ~= nil
  end, "the console refilled after :BdgAttach", dump(console))
  -- It went on after the last event held (since, with the run's epoch):
  -- nothing twice.
  eq(started.epoch, bdg_session("two").epoch, "the same run")
  eq(1, count_lines(console, "everything done"), "no line twice")
  local n = #buf_lines(console)

  -- Straight to the worker's socket.
  vim.cmd("BdgAttach! two")
  h.wait(20000, function()
    local s = bdg_session("two")
    return s.state == "running" and s.socket ~= nil
  end, "the direct connection")
  h.wait(EVENTS_MS, function()
    return find_line(console, "everything done") ~= nil
  end, "the console refilled from the socket", dump(console))
  eq(n, #buf_lines(console), "the same lines again")
  local network = require("bdg").network("two").buf
  h.wait(EVENTS_MS, function()
    return find_line(network, fixtures.url("data.json")) ~= nil
  end, "the network refilled from the socket", dump(network))

  -- Stopped through the socket.
  vim.cmd("BdgStop two")
  wait_state("two", "ended", 30000)
  h.wait(5000, function()
    return not pid_alive(started.pid)
  end, "the worker to exit")
  ok(bdg_session("two").socket == nil, "the socket is closed")
end)

test("e2e: a session started again while the backend was away: :BdgAttach shows the new run from its start", function()
  local err, started = h.await(START_MS, "session again to start", function(done)
    require("bdg").start(fixtures.url("everything.html"), { session = "again" }, done)
  end)
  ok(not err, "started: " .. vim.inspect(err))
  local old_epoch = started.epoch
  ok(type(old_epoch) == "string" and old_epoch ~= "", "session/start reports the run's epoch")
  eq(old_epoch, bdg_session("again").epoch, "kept with the session")
  local console = require("bdg").console("again").buf
  h.wait(EVENTS_MS, function()
    return find_line(console, "everything done") ~= nil
  end, "the first run's console", dump(console))
  local old_seq = bdg_session("again").last_seq

  -- The backend goes away; meanwhile the session is stopped and started
  -- again from the command line: a new run, whose seqs start again at 1.
  require("bdg.backend").kill()
  wait_state("again", "detached", 5000)
  local out = vim.fn.system({ bin, "stop", "--session", "again" })
  eq(0, vim.v.shell_error, "bdg-rpc stop: " .. out)
  out = vim.fn.system({ bin, "start", fixtures.url("console-burst.html?n=5&label=second"), "--session", "again", "--headless" })
  eq(0, vim.v.shell_error, "bdg-rpc start: " .. out)

  local before = #notes
  vim.cmd("BdgAttach again")
  wait_state("again", "running", 20000)
  h.wait(EVENTS_MS, function()
    return find_line(console, "second done 5") ~= nil
  end, "the new run in the console", dump(console))
  local s = bdg_session("again")
  ok(s.epoch and s.epoch ~= old_epoch, "the new run followed: " .. tostring(s.epoch))
  eq(nil, find_line(console, "everything done"), "the old run's lines are gone")
  eq(nil, find_line(console, "hello from the fixture"), "all of them")
  local lines = buf_lines(console)
  h.matches("navigated to .*console%-burst%.html", lines[1], "the new run from its first event")
  for i = 0, 4 do
    eq(1, count_lines(console, "log     second " .. i .. " "), "message " .. i .. " once: " .. table.concat(lines, " | "))
  end
  for _, row in pairs(s.network.rows) do
    ok(not row.request.url:find("data.json", 1, true), "no request of the old run: " .. row.request.url)
  end
  h.log("      the old run ended at seq %d; the new run is at seq %d", old_seq, s.last_seq)
  local told = false
  for i = before + 1, #notes do
    told = told or notes[i].msg:find("started again since", 1, true) ~= nil
  end
  ok(told, "the user is told it is a new run")

  vim.cmd("BdgStop again")
  wait_state("again", "ended", 30000)
end)

test("e2e: a 10,000-message burst from a real page keeps the editor responsive", function()
  -- The longest the main loop went without running a 10 ms timer.
  local timer, last, worst = uv.new_timer(), uv.hrtime(), 0
  timer:start(10, 10, function()
    local now = uv.hrtime()
    worst = math.max(worst, (now - last) / 1e6)
    last = now
  end)
  local done_start
  require("bdg").start(fixtures.url("console-burst.html?n=10000"), { session = "burst" }, function(err)
    done_start = { err }
  end)
  local console = require("bdg").console("burst").buf
  h.wait(START_MS, function()
    return done_start ~= nil
  end, "session burst to start")
  ok(not done_start[1], "started: " .. vim.inspect(done_start[1]))
  h.wait(EVENTS_MS, function()
    return find_line(console, "burst done 10000") ~= nil
  end, "'burst done' at the end of the console", function()
    return ("%d lines, last: %s"):format(api.nvim_buf_line_count(console),
      api.nvim_buf_get_lines(console, -2, -1, false)[1])
  end)
  timer:stop()
  timer:close()
  local n = api.nvim_buf_line_count(console)
  h.log("      %d lines in the console; the main loop stalled %.0f ms at most", n, worst)
  ok(n <= 10000, "bounded: " .. n)
  local done_lnum = find_line(console, "burst done 10000")
  h.matches("log     burst 9999  ", api.nvim_buf_get_lines(console, done_lnum - 2, done_lnum - 1, false)[1], "the last message before 'done'")
  ok(worst < 1000, ("the editor froze for %.0f ms"):format(worst))
  local err = h.await(30000, "session burst to stop", function(done)
    require("bdg").stop("burst", done)
  end)
  ok(not err, "stopped: " .. vim.inspect(err))
end)

test("e2e: gd on a console message and on a stack frame opens the original TypeScript", function()
  local err = h.await(START_MS, "session maps to start", function(done)
    require("bdg").start(fixtures.url("maps.html"), { session = "maps" }, done)
  end)
  ok(not err, "started: " .. vim.inspect(err))
  local s = bdg_session("maps")
  h.wait(EVENTS_MS, function()
    return has_message(s, "Uncaught Error: deep failure at 3")
  end, "the app's exception", function()
    return vim.inspect(h.texts(s))
  end)
  require("bdg").setup({ web_root = root .. "/testdata/fixtures" })
  local view = require("bdg.ui.console").open(s)
  h.wait(EVENTS_MS, function()
    return find_line(view.buf, "mapped failure: first") ~= nil
  end, "the console buffer")
  local console_win = api.nvim_get_current_win()
  -- The lines show the original places once they are resolved.
  h.wait(EVENTS_MS, function()
    local _, l = find_line(view.buf, "mapped failure: first")
    return l and l:find("maps/src/app.ts:17)", 1, true) ~= nil
  end, "the console.error's line at app.ts:17", function()
    return select(2, find_line(view.buf, "mapped failure: first"))
  end)
  h.matches("maps/src/deep%.ts:11%)$", select(2, find_line(view.buf, "deep failure at 3")), "the exception's line at deep.ts:11")

  -- gd on the console.error line: src/app.ts, at the console.error call.
  local lnum = find_line(view.buf, "mapped failure: first")
  api.nvim_win_set_cursor(0, { lnum, 0 })
  vim.cmd("normal gd")
  h.wait(EVENTS_MS, function()
    return api.nvim_buf_get_name(0):match("maps/src/app%.ts$") ~= nil
  end, "app.ts to open", function()
    return api.nvim_buf_get_name(0)
  end)
  eq(17, api.nvim_win_get_cursor(0)[1], "the console.error line")
  h.matches("MARK: error", api.nvim_get_current_line(), "the marked line")
  ok(api.nvim_buf_is_valid(view.buf) and vim.fn.bufwinid(view.buf) ~= -1, "the console stays shown")

  -- The exception's details: gd on its second frame, in deep.ts.
  api.nvim_set_current_win(console_win)
  lnum = find_line(view.buf, "deep failure at 3")
  api.nvim_win_set_cursor(0, { lnum, 0 })
  vim.cmd("normal \r")
  local detail = api.nvim_get_current_buf()
  h.matches("^bdg://maps/message/", api.nvim_buf_get_name(detail), "the message's details")
  local frames = {}
  for i, l in ipairs(api.nvim_buf_get_lines(detail, 0, -1, false)) do
    if require("bdg.sources").place_in(l) and l:match("^%s+at ") then
      frames[#frames + 1] = i
    end
  end
  ok(#frames >= 3, "three frames at least: " .. #frames)
  api.nvim_win_set_cursor(0, { frames[2], 0 })
  vim.cmd("normal gd")
  h.wait(EVENTS_MS, function()
    return api.nvim_buf_get_name(0):match("maps/src/deep%.ts$") ~= nil
  end, "deep.ts to open", function()
    return api.nvim_buf_get_name(0)
  end)
  eq(7, api.nvim_win_get_cursor(0)[1], "level1's call of level2")

  -- The fetch's request (as :BdgNetwork's <CR> opens it): its Initiator
  -- line gains the original place, its Timing line the phases, and gd on
  -- the Initiator line opens app.ts at the fetch.
  local request_id
  for _, row in pairs(s.network.rows) do
    if row.request.url:find("/data.json?from=maps", 1, true) then
      request_id = row.request.requestId
    end
  end
  ok(request_id, "the fetch's request")
  vim.cmd("silent! only") -- room for its window
  local rbuf
  err = h.await(EVENTS_MS, "the request's details", function(done)
    require("bdg.actions").show_request("maps", request_id, nil, function(e, _, b)
      rbuf = b
      done(e)
    end)
  end)
  ok(not err and rbuf, "the details: " .. vim.inspect(err))
  h.wait(EVENTS_MS, function()
    local _, l = find_line(rbuf, "Initiator: script")
    return l and l:find("maps/src/app.ts:23 (", 1, true) ~= nil
  end, "the Initiator line at app.ts:23", function()
    return select(2, find_line(rbuf, "Initiator: "))
  end)
  h.matches("^Timing: blocked [%d.]+ ms  .*wait [%d.]+ ms", select(2, find_line(rbuf, "Timing: ")), "the request's phases")
  api.nvim_set_current_win(vim.fn.bufwinid(rbuf))
  api.nvim_win_set_cursor(0, { find_line(rbuf, "Initiator: script"), 0 })
  vim.cmd("normal gd")
  h.wait(EVENTS_MS, function()
    return api.nvim_buf_get_name(0):match("maps/src/app%.ts$") ~= nil
  end, "app.ts to open from the request", function()
    return api.nvim_buf_get_name(0)
  end)
  eq(23, api.nvim_win_get_cursor(0)[1], "the fetch's line")
  h.matches("MARK: fetch", api.nvim_get_current_line(), "the marked line")

  -- The windows this opened: one left, for the tests that follow.
  vim.cmd("silent! only")
  require("bdg").setup({})
  err = h.await(30000, "session maps to stop", function(done)
    require("bdg").stop("maps", done)
  end)
  ok(not err, "stopped: " .. vim.inspect(err))
end)

-- wait_note waits for a message after the first n the plugin showed that
-- matches pattern; it returns it and the pattern's captures.
local function wait_note(n, pattern, what)
  return h.wait_note(notes, n, pattern, EVENTS_MS, what)
end

-- has_message_of tells whether session s logged text during navigation id.
local function has_message_of(s, text, id)
  for _, m in ipairs(s.console:messages()) do
    if m.text == text and m.navigationId == id then
      return true
    end
  end
  return false
end

test("e2e: :BdgEval, :BdgNavigate, :BdgReload and :BdgScreenshot drive a real page", function()
  local err = h.await(START_MS, "session drive to start", function(done)
    require("bdg").start(fixtures.url("drive.html?n=one"), { session = "drive" }, done)
  end)
  ok(not err, "started: " .. vim.inspect(err))
  local s = bdg_session("drive")
  eq("drive", require("bdg.sessions").name(), "the current session")
  h.wait(EVENTS_MS, function()
    return has_message(s, "drive: ready one")
  end, "the page to be ready", function()
    return vim.inspect(h.texts(s))
  end)

  -- Values: as their text, in the message area.
  local n = #notes
  vim.cmd("BdgEval 6 * 7")
  local note = wait_note(n, "^bdg: 42$", "6 * 7")
  eq(vim.log.levels.INFO, note.level, "a value is information")
  n = #notes
  vim.cmd("BdgEval document.title")
  wait_note(n, '^bdg: "drive page"$', "the page's title")

  -- A promise awaited: the fetch's JSON, in the page's own network, shown
  -- indented in bdg://drive/eval.
  local win = api.nvim_get_current_win()
  local result, buf
  err, result, buf = h.await(EVENTS_MS, "eval of a fetch", function(done)
    require("bdg").eval("fetch('/data.json?from=nvim').then(r => r.json())", {}, done)
  end)
  ok(not err, "evaluated: " .. vim.inspect(err))
  eq("object", result.type, "an object")
  eq({ n = 42 }, result.value, "its value")
  eq(buf, api.nvim_get_current_buf(), "shown")
  eq("bdg://drive/eval", api.nvim_buf_get_name(buf), "in the session's eval buffer")
  eq({ "{", '  "n": 42', "}" }, buf_lines(buf), "as indented JSON")
  eq("json", vim.bo[buf].filetype, "filetype")
  vim.cmd("close")
  eq(win, api.nvim_get_current_win(), "its window closed")
  h.wait(EVENTS_MS, function()
    return has_request(s, "/data.json?from=nvim")
  end, "the fetch in the session's network")

  -- In the cross-site iframe, a target of its own.
  local iframe
  h.wait(EVENTS_MS, function()
    for id, kind in pairs(s.targets.live) do
      if kind == "iframe" then
        iframe = id
      end
    end
    return iframe ~= nil
  end, "the cross-site iframe's target", function()
    return vim.inspect(s.targets)
  end)
  -- Its target attaches before its script has run: await what it says.
  h.wait(EVENTS_MS, function()
    for _, t in ipairs(h.texts(s)) do
      if t:find("ready frame cross", 1, true) then
        return true
      end
    end
    return false
  end, "the cross-site iframe's script")
  err, result = h.await(EVENTS_MS, "eval in the iframe", function(done)
    require("bdg").eval("window.where", { target = iframe, show = false }, done)
  end)
  ok(not err, "evaluated: " .. vim.inspect(err))
  eq("frame cross", result.value, "evaluated in the iframe")

  -- What it throws: an error with the stack.
  n = #notes
  vim.cmd('BdgEval throw new Error("nvim boom")')
  note = wait_note(n, "^bdg: Uncaught Error: nvim boom", "the exception")
  eq(vim.log.levels.ERROR, note.level, "shown as an error")
  h.matches("\n    at <anonymous>:1:7", note.msg, "with its stack")

  -- :BdgNavigate: the new navigation's id, which its records carry.
  local url = fixtures.url("drive.html?n=two")
  n = #notes
  vim.cmd("BdgNavigate " .. url)
  local _, nav = wait_note(n, "^bdg: session drive navigated to " .. vim.pesc(url) .. " %(navigation (%d+), load%)$",
    "the navigation")
  nav = tonumber(nav)
  h.wait(EVENTS_MS, function()
    return has_message_of(s, "drive: ready two", nav)
  end, "the new page's line, of navigation " .. nav, function()
    return vim.inspect(s.console:messages())
  end)

  -- :BdgReload: a new navigation; what the page held is gone.
  err, result = h.await(EVENTS_MS, "a mark in the page", function(done)
    require("bdg").eval("window.nvimMark = 'before'", { show = false }, done)
  end)
  eq({ nil, "before" }, { err, result.value }, "marked")
  n = #notes
  vim.cmd("BdgReload")
  local _, reloaded = wait_note(n, "^bdg: session drive reloaded: " .. vim.pesc(url) .. " %(navigation (%d+), load%)$",
    "the reload")
  reloaded = tonumber(reloaded)
  ok(reloaded > nav, ("a new navigation id: %d after %d"):format(reloaded, nav))
  err, result = h.await(EVENTS_MS, "the mark after the reload", function(done)
    require("bdg").eval("typeof window.nvimMark", { show = false }, done)
  end)
  eq({ nil, "undefined" }, { err, result.value }, "a new document")
  h.wait(EVENTS_MS, function()
    return has_message_of(s, "drive: ready two", reloaded)
  end, "the reloaded page's line, of navigation " .. reloaded)

  -- :BdgScreenshot: the PNG the backend wrote, copied where asked.
  local file = vim.fn.tempname() .. ".png"
  local copied
  err, result, copied = h.await(EVENTS_MS, "the screenshot", function(done)
    require("bdg").screenshot(file, {}, done)
  end)
  ok(not err, "screenshot: " .. vim.inspect(err))
  eq(file, copied, "copied where asked")
  eq("png", result.format, "a PNG")
  ok(result.width > 0 and result.height > 0, "its size: " .. vim.inspect(result))
  eq(result.size, vim.fn.getfsize(file), "the whole file copied")
  local f = assert(io.open(file, "rb"))
  eq("\137PNG\r\n\26\n", f:read(8), "a PNG signature")
  f:close()
  n = #notes
  vim.cmd("BdgScreenshot")
  wait_note(n, ("^bdg: screenshot of session drive: .+%%.png %%(%dx%d png, "):format(result.width, result.height),
    "the screenshot's message")
  vim.fn.delete(file)

  err = h.await(30000, "session drive to stop", function(done)
    require("bdg").stop("drive", done)
  end)
  ok(not err, "stopped: " .. vim.inspect(err))
end)

-- A Chrome of the test's own, as a user's browser with remote debugging on:
-- its own process group (killed as a group at the end), its own profile,
-- the port it chose read from DevToolsActivePort.
local user_chrome = nil

local function chrome_binary()
  local env = os.getenv("BDG_CHROME")
  if env and env ~= "" then
    return env
  end
  if vim.fn.executable("/usr/lib/chromium/chromium") == 1 then
    return "/usr/lib/chromium/chromium" -- the binary, not Debian's wrapper script
  end
  for _, name in ipairs({ "chromium", "chromium-browser", "google-chrome" }) do
    if vim.fn.executable(name) == 1 then
      return vim.fn.exepath(name)
    end
  end
end

-- Under test/run.sh, the profile and a pid file go in its temporary
-- directory, whose cleanup kills the group should this Neovim be killed.
local run_tmp = os.getenv("BDG_NVIM_TEST_HOME") and vim.fn.fnamemodify(os.getenv("BDG_NVIM_TEST_HOME"), ":h")

local function start_user_chrome()
  local bin_chrome = chrome_binary()
  ok(bin_chrome, "no Chromium found (set $BDG_CHROME)")
  local dir = (run_tmp or vim.fn.tempname()) .. "/user-chrome"
  vim.fn.mkdir(dir, "p")
  local handle, pid = uv.spawn(bin_chrome, {
    args = { "--headless=new", "--no-sandbox", "--remote-debugging-port=0", "--user-data-dir=" .. dir,
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      "about:blank" },
    detached = true, -- setsid: a process group of its own
  }, function() end)
  ok(handle, "spawn " .. bin_chrome .. ": " .. tostring(pid))
  user_chrome = { handle = handle, pid = pid, dir = dir }
  if run_tmp then
    vim.fn.writefile({ tostring(pid) }, run_tmp .. "/user-chrome.pid")
  end
  local port_file = dir .. "/DevToolsActivePort"
  h.wait(START_MS, function()
    local lines = vim.fn.filereadable(port_file) == 1 and vim.fn.readfile(port_file) or {}
    user_chrome.port = tonumber(lines[1] or "")
    return user_chrome.port ~= nil
  end, "the user's Chrome to write " .. port_file)
  return user_chrome
end

local function stop_user_chrome()
  local c = user_chrome
  user_chrome = nil
  if not c then
    return
  end
  uv.kill(-c.pid, "sigterm")
  if not vim.wait(5000, function()
    return uv.kill(c.pid, 0) ~= 0
  end, 50) then
    uv.kill(-c.pid, "sigkill")
  end
  if not c.handle:is_closing() then
    c.handle:close()
  end
  vim.fn.delete(c.dir, "rf")
  if run_tmp then
    vim.fn.delete(run_tmp .. "/user-chrome.pid")
  end
end

-- chrome_tabs returns the user's Chrome's pages (/json/list).
local function chrome_tabs()
  local status, body = require("fixture_server").request(user_chrome.port, "GET", "/json/list")
  eq(200, status, "/json/list: " .. tostring(body))
  local pages = {}
  for _, t in ipairs(vim.json.decode(body)) do
    if t.type == "page" then
      pages[#pages + 1] = t
    end
  end
  return pages
end

local function chrome_tab(id)
  for _, t in ipairs(chrome_tabs()) do
    if t.id == id then
      return t
    end
  end
end

-- open_tab opens url in a new tab of the user's Chrome (PUT /json/new) and
-- waits for its title (attach-tab.html sets "tab NAME"); it returns its id.
local function open_tab(url, title)
  local status, body = require("fixture_server").request(user_chrome.port, "PUT", "/json/new?" .. url)
  eq(200, status, "/json/new: " .. tostring(body))
  local id = vim.json.decode(body).id
  h.wait(EVENTS_MS, function()
    local t = chrome_tab(id)
    return t and t.title == title
  end, ("the tab %q to load"):format(title))
  return id
end

test("e2e: :BdgAttachTab PORT: the menu of a running Chrome's tabs, the tab chosen watched, left open at :BdgStop", function()
  start_user_chrome()
  local port = user_chrome.port
  local a_url, b_url = fixtures.url("attach-tab.html?n=A"), fixtures.url("attach-tab.html?n=B")
  local id_a = open_tab(a_url, "tab A")
  local id_b = open_tab(b_url, "tab B")

  -- The menu (vim.ui.select) answered with tab B; the real one would wait
  -- for a key.
  local function tab_b(items)
    return vim.tbl_filter(function(item)
      return item.id == id_b
    end, items)[1]
  end
  require("bdg.sessions").set_current("tab")
  local before = #notes
  local menus
  h.with_select(tab_b, function(m)
    menus = m
    vim.cmd("BdgAttachTab " .. port)
    wait_state("tab", "running", START_MS)
  end)
  local s = bdg_session("tab")

  eq(1, #menus, "one menu")
  eq("Attach to tab:", menus[1].prompt, "its prompt")
  ok(vim.tbl_contains(menus[1].lines, "tab A — " .. a_url), "tab A offered: " .. vim.inspect(menus[1].lines))
  ok(vim.tbl_contains(menus[1].lines, "tab B — " .. b_url), "tab B offered: " .. vim.inspect(menus[1].lines))
  eq(id_b, s.info.target.id, "the tab chosen is watched")
  eq(false, s.info.chrome.launched, "Chrome attached to, not launched")
  eq("attach", s.info.attach.captureFrom, "capture from now")
  local told = false
  for i = before + 1, #notes do
    told = told or notes[i].msg:find("session tab is watching tab B: capture starts now; earlier requests are not in this session", 1, true) ~= nil
  end
  ok(told, "the user told from when it captures")

  -- The page logs and fetches when its ping() is called (cdp/send).
  local evaluated
  require("bdg.actions").call(s, "cdp/send", {
    method = "Runtime.evaluate",
    params = { expression = "ping('nvim')", awaitPromise = true },
  }, function(e, r)
    evaluated = { e, r }
  end)
  h.wait(EVENTS_MS, function()
    return evaluated ~= nil and has_message(s, "tab B fetched nvim") and has_request(s, "/echo?tab=B&why=nvim")
  end, "tab B's ping in the console and the network", function()
    return vim.inspect({ evaluated = evaluated, messages = h.texts(s) })
  end)
  ok(not evaluated[1], "cdp/send: " .. vim.inspect(evaluated[1]))
  ok(has_message(s, "tab B nvim"), "the message before the fetch")
  ok(not has_request(s, "attach-tab.html"), "the tab's load, before the attach, is not in the session")
  for _, m in ipairs(h.texts(s)) do
    ok(not m:find("tab A", 1, true), "nothing of the other tab: " .. m)
  end

  -- The menu says who watches tab B; another session cannot have it.
  local refused, lines
  h.with_select(tab_b, function(m)
    refused = h.await(START_MS, "the second session's answer", function(done)
      require("bdg").attach_tab({ endpoint = port, session = "tab3" }, done)
    end)
    lines = m[1] and m[1].lines
  end)
  ok(vim.tbl_contains(lines or {}, "tab B — " .. b_url .. " [session tab]"), "the menu names the watcher: " .. vim.inspect(lines))
  ok(refused, "a tab watched already is refused")
  eq("already_running", refused.data.kind, "refused: " .. vim.inspect(refused))
  h.matches("cannot attach session tab3 to tab B: .*%[already_running%]", notes[#notes].msg, "shown")
  h.matches('by session "tab"', notes[#notes].msg, "naming the session")
  eq("idle", bdg_session("tab3").state, "nothing started")
  eq("tab", require("bdg.sessions").name(), "the current session is still the one watching tab B")

  local err = h.await(30000, "session tab to stop", function(done)
    require("bdg").stop("tab", done)
  end)
  ok(not err, "stopped: " .. vim.inspect(err))
  ok(chrome_tab(id_b), "the tab is still open")
  ok(chrome_tab(id_a), "and the other one")
  ok(pid_alive(user_chrome.pid), "the browser runs on")
  user_chrome.id_a = id_a
end)

test("e2e: attach_tab({endpoint, tab, reload = true}): the tab's load captured", function()
  ok(user_chrome and user_chrome.id_a, "needs the previous test's Chrome")
  local err, r = h.await(START_MS, "attach_tab's answer", function(done)
    require("bdg").attach_tab({ endpoint = tostring(user_chrome.port), tab = user_chrome.id_a, reload = true,
      session = "tab2" }, done)
  end)
  ok(not err, "attached: " .. vim.inspect(err))
  eq("reload", r.attach.captureFrom, "captured from the reload")
  eq("id", r.attach.picked, "picked by id")
  local s = bdg_session("tab2")
  -- The reload is the tab's second load (attach-tab.html counts them):
  -- the messages of its first, which Chrome may hand over on attach, do
  -- not count.
  h.wait(EVENTS_MS, function()
    return has_request(s, "attach-tab.html?n=A") and has_request(s, "/echo?tab=A&why=loaded2")
      and has_message(s, "tab A fetched loaded2")
  end, "the reload in the session", function()
    return vim.inspect({ messages = h.texts(s), state = s.state })
  end)
  h.matches("session tab2 is watching tab A: reloaded, its load is captured", notes[#notes].msg, "told")
  err = h.await(30000, "session tab2 to stop", function(done)
    require("bdg").stop("tab2", done)
  end)
  ok(not err, "stopped: " .. vim.inspect(err))
  ok(chrome_tab(user_chrome.id_a), "the tab is still open")
end)

test("e2e: errors reach the user with their hint", function()
  local before = #notes
  local got = h.await(20000, "session/attach to fail", function(done)
    require("bdg").attach("nobody", {}, done)
  end)
  eq("no_session", got.data.kind, "kind")
  local msg = notes[#notes].msg
  ok(#notes > before and notes[#notes].level == vim.log.levels.ERROR, "an error was shown")
  h.matches("cannot attach to session nobody: .*%[no_session%]\nhint: ", msg, "message with its hint")
end)

h.finally("e2e: cleanup: sessions stopped, backend gone, BDG_HOME removed", function()
  cleanup()
  ok(not require("bdg.backend").is_running(), "the backend is not running")
  ok(vim.fn.isdirectory(home) == 0, "temporary BDG_HOME removed")
end)

h.finally("e2e: cleanup: the user's Chrome killed, its profile removed", function()
  local c = user_chrome
  stop_user_chrome()
  ok(not c or uv.kill(c.pid, 0) ~= 0, "the user's Chrome is gone")
end)
