-- What the commands do: start, stop, attach to and ask about sessions, and
-- open their buffers. Each takes a callback cb(err, result) for scripts
-- and tests; errors are also shown to the user, with their hints.
local backend = require("bdg.backend")
local compat = require("bdg.util.compat")
local config = require("bdg.config")
local format = require("bdg.ui.format")
local notify = require("bdg.util.notify")
local protocol = require("bdg.protocol")
local sessions = require("bdg.sessions")
local socket = require("bdg.socket")

local v = compat.value
local method = protocol.method

local M = {}

local function noop() end

-- call sends a session's query to whoever serves it: its worker's socket
-- when attached directly, else the backend (spawned if need be).
local function call(s, name, params, cb)
  params = params or {}
  params.session = s.name
  if s.socket and s.socket:is_open() then
    s.socket:request(name, params, cb)
  else
    backend.request(name, params, cb)
  end
end
M.call = call

-- release shuts the backend down once no session needs it.
local function release_backend()
  for _, s in ipairs(sessions.all()) do
    if s.via == "serve" and s:is_live() then
      return
    end
  end
  if backend.is_running() then
    backend.shutdown()
  end
end

-- start_params are session/start's params for session name: url to
-- launch Chrome on, or, with attach (attach or autoConnect, tab, reload),
-- a running Chrome to watch (then headless and chromePath mean nothing).
local function start_params(url, name, attach)
  local p = { url = url, session = name }
  if attach then
    p = vim.tbl_extend("error", p, attach)
  else
    local headless = config.get("headless")
    if headless ~= nil then
      p.headless = headless
    end
    p.chromePath = config.get("chrome_path")
  end
  p.maxBodyBytes = config.get("max_body_bytes")
  p.timeoutSeconds = config.get("timeout_seconds")
  if config.get("include_all") then
    p.includeAll = true
  end
  return p
end

-- busy returns the error of starting session name while it is live in
-- this editor, else nil.
local function busy(name, hint)
  local s = sessions.ensure(name)
  if not s:is_live() then
    return nil
  end
  return {
    message = ("session %s is %s in this editor"):format(name, s.state),
    data = { hint = (":BdgStop %s first, or give another session name: %s"):format(name, hint) },
  }
end

-- begin(name, params, o, cb) starts session name through the backend
-- (session/start with params), what :BdgStart and :BdgAttachTab share:
-- the session's stores emptied, its events filling its buffers from the
-- first one, and it made the current session (the one before is again,
-- if the start fails). o.what says what it starts on (for the progress
-- line), o.usage how to name another session (for the hint when this one
-- is live here), o.failed what a failure is shown as. cb(err, result)
-- comes after the session is running, before any message about it.
local function begin(name, params, o, cb)
  local s = sessions.ensure(name)
  local err = busy(name, o.usage)
  if err then
    notify.error(o.failed, err)
    return cb(err)
  end
  socket.close(s)
  s:reset()
  s.via = "serve"
  s:set_state("starting")
  local prev = sessions.current()
  sessions.set_current(name)
  notify.progress(("starting session %s on %s"):format(name, o.what))
  backend.request(method.session_start, params, function(serr, result)
    if serr then
      s:set_state("idle")
      if sessions.current() == name then
        sessions.set_current(prev) -- commands go on acting on the one before
      end
      notify.error(o.failed, serr)
      release_backend()
      return cb(serr)
    end
    result = result or {}
    s:joined(result) -- the run its events belong to
    s.info = result
    if s.state == "starting" then
      s:set_state("running")
    end
    cb(nil, result)
  end)
end

-- start(url, {session}, cb) starts a session on url through the backend;
-- its events fill the session's buffers from the first one.
function M.start(url, opts, cb)
  opts, cb = opts or {}, cb or noop
  local name = sessions.name(opts.session)
  begin(name, start_params(url, name), {
    what = url,
    usage = ":BdgStart {url} {session}",
    failed = "cannot start session " .. name,
  }, function(err, result)
    if err then
      return cb(err)
    end
    local chrome = v(result.chrome) or {}
    notify.info(("session %s started on %s (%s, pid %s)"):format(name, url,
      tostring(v(chrome.version) or "Chrome"), tostring(v(result.pid))))
    cb(nil, result)
  end)
end

-- one_line makes a tab's title or URL fit a line of a menu.
local function one_line(s)
  s = v(s)
  if type(s) ~= "string" then
    return ""
  end
  return (s:gsub("[%c]+", " "))
end

-- format_tab renders a tab of browser/tabs for the menu of :BdgAttachTab:
-- "TITLE — URL", then " [session NAME]" when a bdg-rpc session watches it,
-- else " [attached]" when some other DevTools client is attached to it.
function M.format_tab(tab)
  local title, url = one_line(tab.title), one_line(tab.url)
  local text
  if title == "" or title == url then
    text = url
  else
    text = title .. " — " .. url
  end
  local watcher = v(tab.session)
  if type(watcher) == "string" and watcher ~= "" then
    text = text .. (" [session %s]"):format(watcher)
  elseif v(tab.attached) == true then
    text = text .. " [attached]"
  end
  return text
end

-- tab_name is how a tab is called in messages: its title, else its URL.
local function tab_name(tab)
  tab = tab or {}
  local title = one_line(tab.title)
  if title ~= "" then
    return title
  end
  local url = one_line(tab.url)
  return url ~= "" and url or "the tab"
end

-- attach_tab(o, cb) starts a session that watches a tab of a running
-- Chrome, found at o.endpoint (a port, host:port, an http:// or ws:// URL,
-- a user-data directory or its DevToolsActivePort file), else by
-- auto-connect. Without o.tab, the browser's tabs (browser/tabs) are
-- offered with vim.ui.select; o.tab (a target id, an index, a URL or title
-- substring or glob) skips that. o.reload reloads the tab once capture is
-- on, so that its load is captured; o.session names the session.
function M.attach_tab(o, cb)
  o, cb = o or {}, cb or noop
  local name = sessions.name(o.session)
  local endpoint = o.endpoint ~= nil and tostring(o.endpoint) or nil -- a port may come as a number
  if endpoint == "" then
    endpoint = nil
  end
  local where = endpoint and ("the Chrome at " .. endpoint) or "a running Chrome (auto-connect)"
  local usage = ":lua require('bdg').attach_tab({ session = 'NAME' })"
  local function go(tab_id, tab)
    local attach = { tab = tab_id }
    if endpoint then
      attach.attach = endpoint
    else
      attach.autoConnect = true
    end
    if o.reload then
      attach.reload = true
    end
    begin(name, start_params(nil, name, attach), {
      what = tab and tab_name(tab) or (("tab %s of %s"):format(tab_id, where)),
      usage = usage,
      failed = ("cannot attach session %s to %s"):format(name, tab and tab_name(tab) or ("tab " .. tab_id)),
    }, function(err, result)
      if err then
        return cb(err)
      end
      local info = v(result.attach) or {}
      local target = v(result.target) or {}
      -- The page as it is now (its title may have come since the menu).
      local called = tab_name((one_line(target.title) ~= "" or not tab) and target or tab)
      local from = v(info.captureFrom)
      if from == "attach" then
        notify.info(("session %s is watching %s: capture starts now; earlier requests are not in this session"
          .. " (:BdgAttachTab! reloads the tab to capture its load)"):format(name, called))
      elseif from == "reload" then
        notify.info(("session %s is watching %s: reloaded, its load is captured"):format(name, called))
      else
        notify.info(("session %s is watching %s"):format(name, called))
      end
      cb(nil, result)
    end)
  end

  local err = busy(name, usage)
  if err then
    notify.error("cannot attach session " .. name, err)
    return cb(err)
  end
  if o.tab ~= nil and o.tab ~= "" then
    return go(tostring(o.tab), nil)
  end
  notify.progress("listing the tabs of " .. where)
  local params = endpoint and { endpoint = endpoint } or { autoConnect = true }
  backend.request(method.browser_tabs, params, function(terr, result)
    if terr then
      notify.error("cannot list the tabs of " .. where, terr)
      release_backend()
      return cb(terr)
    end
    local tabs = v((result or {}).tabs) or {}
    if #tabs == 0 then
      local nerr = {
        message = where .. " has no tabs",
        data = { hint = "open a page in it first, then :BdgAttachTab again" },
      }
      notify.error("nothing to attach to", nerr)
      release_backend()
      return cb(nerr)
    end
    vim.ui.select(tabs, { prompt = "Attach to tab:", format_item = M.format_tab, kind = "bdg_tab" },
      function(choice)
        if not choice then
          release_backend()
          return cb({ message = "no tab chosen", data = { kind = "cancelled" } })
        end
        go(v(choice.id), choice)
      end)
  end)
end

-- stop(name, cb) ends a session (one started anywhere, not only here).
function M.stop(name, cb)
  cb = cb or noop
  name = sessions.name(name)
  local s = sessions.ensure(name)
  local was = s.state
  if s:is_live() then
    s:set_state("stopping")
  end
  call(s, method.session_stop, {}, function(err, result)
    if err then
      if s.state == "stopping" then
        s:set_state(was)
      end
      if (err.data or {}).kind == "no_session" and s:is_live() then
        s:set_state("ended")
      end
      notify.error("cannot stop session " .. name, err)
      release_backend()
      return cb(err)
    end
    result = result or {}
    s:mark_ended({ reason = "stopped", outputPath = v(result.outputPath) })
    socket.close(s)
    local counts = v(result.counts) or {}
    notify.info(("session %s stopped after %s: %s requests, %s console messages; %s"):format(
      name, format.duration(v(result.durationMs)), tostring(v(counts.network) or 0),
      tostring(v(counts.console) or 0), tostring(v(result.outputPath) or "")))
    release_backend()
    cb(nil, result)
  end)
end

-- status_lines renders session/status for people.
function M.status_lines(st, s)
  local lines = {}
  local head = ("session %s: %s"):format(tostring(v(st.session)), tostring(v(st.state)))
  if v(st.pid) then
    head = head .. (" (pid %s)"):format(tostring(v(st.pid)))
  end
  if v(st.uptimeMs) then
    head = head .. ", up " .. format.duration(v(st.uptimeMs))
  end
  lines[#lines + 1] = head
  local target = v(st.target) or {}
  if v(target.url) then
    lines[#lines + 1] = ("  page: %s %s"):format(v(target.url), v(target.title) and ("%q"):format(v(target.title)) or "")
  end
  local chrome = v(st.chrome) or {}
  if v(chrome.version) then
    lines[#lines + 1] = ("  browser: %s%s, pid %s%s"):format(v(chrome.version), v(chrome.headless) and " headless" or "",
      tostring(v(chrome.pid)), v(chrome.launched) and "" or " (attached, not launched)")
  end
  local counts, dropped = v(st.counts) or {}, v(st.dropped) or {}
  lines[#lines + 1] = ("  captured: %d requests, %d console messages; dropped: %d requests, %d messages, %d bodies, %d tracking requests"):format(
    v(counts.network) or 0, v(counts.console) or 0, v(dropped.network) or 0, v(dropped.console) or 0,
    v(dropped.bodies) or 0, v(dropped.filtered) or 0)
  local more = {}
  for _, d in ipairs({ { "frames", "frames" }, { "targets", "targets not followed" } }) do
    local n = tonumber(v(dropped[d[1]])) or 0
    if n > 0 then
      more[#more + 1] = ("%d %s"):format(n, d[2])
    end
  end
  if #more > 0 then
    lines[#lines] = lines[#lines] .. ", " .. table.concat(more, ", ")
  end
  local targets = format.target_counts(v(st.targets), v(st.targetsEnded))
  if targets then
    lines[#lines + 1] = "  " .. targets
  end
  lines[#lines + 1] = ("  last event: seq %s"):format(tostring(v(st.lastSeq) or 0))
  if v(st.outputPath) then
    lines[#lines + 1] = "  output: " .. v(st.outputPath)
  end
  if v(st.stale) then
    lines[#lines + 1] = ("  (no worker: read from %s, %s old)"):format(tostring(v(st.source)), format.duration(v(st.dataAgeMs)))
  end
  if s then
    local via = s.socket and "its worker's socket" or "bdg-rpc serve"
    if s:is_live() then
      lines[#lines + 1] = ("  this editor: %s, events via %s (seen up to seq %d)"):format(s.state, via, s.last_seq)
    else
      lines[#lines + 1] = ("  this editor: %s%s"):format(s.state, s.state == "detached" and " (:BdgAttach rejoins)" or "")
    end
  end
  return lines
end

-- status(name, cb) shows the state of a session.
function M.status(name, cb)
  cb = cb or noop
  name = sessions.name(name)
  local s = sessions.ensure(name)
  call(s, method.session_status, {}, function(err, st)
    release_backend()
    if err then
      notify.error("no status for session " .. name, err)
      return cb(err)
    end
    notify.info(table.concat(M.status_lines(st or {}, s), "\n"))
    cb(nil, st)
  end)
end

local function attached(s, how, count_text)
  s:set_state("running")
  sessions.set_current(s.name)
  notify.info(("attached to session %s via %s%s"):format(s.name, how, count_text or ""))
end

-- rejoin prepares session s for an attach and returns the params that say
-- where its events resume: after the last seq seen, with the epoch of its
-- run, when this editor holds a run's events (the backend went away, the
-- socket dropped, the session ended or was started again); else from the
-- first retained event, the stores emptied.
local function rejoin(s)
  local since, epoch = s:resume_point()
  if since then
    return { since = since, epoch = epoch }
  end
  s:reset()
  return { since = 0 }
end

-- how_joined describes an attach's result for people: a new run (reset),
-- or where the events resume.
local function how_joined(s, params, reset)
  if reset then
    return ("; it was started again since: showing its new run (epoch %s) from the start"):format(tostring(s.epoch))
  elseif params.epoch then
    return (", events after seq %d"):format(params.since)
  end
  return ""
end

-- attach(name, {direct}, cb) joins a running session: through the backend
-- (session/attach), or with direct, straight to the worker's socket
-- (events/subscribe; the backend, asked where it is, is let go again once
-- no session needs it). A session this editor already holds events of
-- resumes after the last of them (since and epoch); if it was started
-- again meanwhile, the old run's are dropped and the new run's come from
-- its first. Any other comes from its first retained event.
function M.attach(name, opts, cb)
  opts, cb = opts or {}, cb or noop
  name = sessions.name(name)
  local s = sessions.ensure(name)
  local prev = s.state
  local function failed(err)
    s:set_state(prev == "running" and "detached" or prev)
    notify.error("cannot attach to session " .. name, err)
    cb(err)
  end
  if opts.direct then
    local params = rejoin(s)
    s.via = "socket"
    s:set_state("starting")
    socket.connect(s, params, function(err, result)
      release_backend()
      if err then
        return failed(err)
      end
      local reset = s:joined(result)
      attached(s, "its socket", how_joined(s, params, reset))
      cb(nil, result)
    end)
    return
  end
  socket.close(s)
  local params = rejoin(s)
  s.via = "serve"
  s:set_state("starting")
  params.session = name
  backend.request(method.session_attach, params, function(err, result)
    if err then
      release_backend()
      return failed(err)
    end
    result = result or {}
    -- Taken in before any event: after a reset, those that follow are the
    -- new run's, from seq 1.
    local reset = s:joined(result)
    s.info = v(result.status)
    local counts = (s.info and v(s.info.counts)) or {}
    attached(s, "bdg-rpc serve", (" (%d requests, %d console messages so far)%s"):format(
      v(counts.network) or 0, v(counts.console) or 0, how_joined(s, params, reset)))
    cb(nil, result)
  end)
end

-- show_request opens a request's headers and body (network/get, body: true).
function M.show_request(name, request_id, mods, cb)
  cb = cb or noop
  name = sessions.name(name)
  local s = sessions.ensure(name)
  call(s, method.network_get, { requestId = request_id, body = true }, function(err, result)
    if err then
      notify.error("cannot get request " .. request_id, err)
      return cb(err)
    end
    local buf = require("bdg.ui.detail").show_request(name, result.request, mods)
    cb(nil, result, buf)
  end)
end

-- Inspecting and driving the page (page/evaluate, page/reload,
-- page/navigate, page/screenshot): answered by the session's worker, through
-- its socket when attached directly, else routed by the backend.

-- drive_error is what is shown of a failed drive call: a bdg-rpc that does
-- not know the method (older than the plugin) says so.
local function drive_error(err, name)
  if type(err) == "table" and err.code == protocol.code.method_not_found then
    local data = vim.tbl_extend("force", type(err.data) == "table" and err.data or {},
      { hint = ("this bdg-rpc has no %s: update it (make build)"):format(name) })
    return vim.tbl_extend("force", err, { data = data })
  end
  return err
end

-- ask sends a drive call for session name and hands its answer to
-- done(result), or shows the error (what failed, with its hint, unless
-- quiet) and gives it to cb. The backend is let go after, as by status,
-- when no session needs it.
local function ask(name, m, params, o, cb, done)
  local s = sessions.ensure(name)
  if o.progress then
    notify.progress(o.progress)
  end
  call(s, m, params, function(err, result)
    release_backend()
    if err then
      if not o.quiet then
        notify.error(o.failed, drive_error(err, m))
      end
      return cb(err)
    end
    done(result or {})
  end)
end

-- show_eval shows what page/evaluate answered: an exception with its stack
-- as an error; a value that takes more than one line (an object or array,
-- as indented JSON; a string with newlines) in bdg://NAME/eval (returned);
-- else its one-line text as a message.
function M.show_eval(name, result, mods)
  local kind, what, filetype = format.eval_result(result)
  if kind == "exception" then
    notify.error(nil, what)
  elseif kind == "lines" then
    return require("bdg.ui.detail").show_value(name, what, filetype, mods)
  else
    notify.info(what)
  end
end

-- eval(expr, {session, frame, target, await, show, mods}, cb) evaluates a
-- JavaScript expression in the page of a session (page/evaluate): in a
-- frame or another target of the page when asked, a promise awaited
-- unless await is false. cb(err, result, buf) gets page/evaluate's result
-- ({type, subtype?, value?, text, exception?}: an expression that throws
-- is a result with exception, not an error) and the buffer the value was
-- shown in, if it was. show = false shows nothing, errors included.
function M.eval(expr, opts, cb)
  if type(opts) == "function" then
    opts, cb = nil, opts
  end
  opts, cb = opts or {}, cb or noop
  local name = sessions.name(opts.session)
  local params = {
    expression = expr ~= nil and tostring(expr) or nil,
    awaitPromise = opts.await ~= false,
    frame = opts.frame,
    target = opts.target,
  }
  local o = { failed = "cannot evaluate in session " .. name, quiet = opts.show == false }
  ask(name, method.page_evaluate, params, o, cb, function(result)
    local buf
    if opts.show ~= false then
      buf = M.show_eval(name, result, opts.mods)
    end
    cb(nil, result, buf)
  end)
end

-- wait_params adds the options every navigation takes: wait_until
-- (commit, domcontentloaded, load, networkidle) and timeout_ms.
local function wait_params(p, opts)
  p.waitUntil = opts.wait_until
  p.timeout = opts.timeout_ms
  return p
end

-- reload({session, ignore_cache, wait_until, timeout_ms}, cb) reloads the
-- page of a session (page/reload) and says where it is once loaded: its
-- URL, the new navigation's id and what was waited for. cb(err, result)
-- gets {navigationId, url, waitedFor}.
function M.reload(opts, cb)
  if type(opts) == "function" then
    opts, cb = nil, opts
  end
  opts, cb = opts or {}, cb or noop
  local name = sessions.name(opts.session)
  local params = wait_params({ ignoreCache = opts.ignore_cache and true or nil }, opts)
  ask(name, method.page_reload, params, {
    progress = ("reloading the page of session %s"):format(name),
    failed = "cannot reload the page of session " .. name,
  }, cb, function(result)
    notify.info(("session %s reloaded: %s"):format(name, format.navigation(result)))
    cb(nil, result)
  end)
end

-- navigate(url, {session, wait_until, timeout_ms}, cb) loads url in the
-- page of a session (page/navigate), as reload.
function M.navigate(url, opts, cb)
  if type(opts) == "function" then
    opts, cb = nil, opts
  end
  opts, cb = opts or {}, cb or noop
  local name = sessions.name(opts.session)
  ask(name, method.page_navigate, wait_params({ url = url }, opts), {
    progress = ("session %s: navigating to %s"):format(name, tostring(url)),
    failed = ("cannot navigate session %s to %s"):format(name, tostring(url)),
  }, cb, function(result)
    notify.info(("session %s navigated to %s"):format(name, format.navigation(result)))
    cb(nil, result)
  end)
end

-- screenshot(file, {session}, cb) takes a screenshot of the viewport of a
-- session's page (page/screenshot): the backend writes a PNG in the
-- session's directory and says where; with file (a path, or a directory
-- to put it in under its own name) it is copied there. cb(err, result,
-- file) gets {path, format, size, width, height} and where it was copied.
function M.screenshot(file, opts, cb)
  if type(opts) == "function" then
    opts, cb = nil, opts
  end
  opts, cb = opts or {}, cb or noop
  local name = sessions.name(opts.session)
  -- The name comes from the generated table once the backend has it.
  local m = method.page_screenshot or "page/screenshot"
  ask(name, m, {}, { failed = "no screenshot of session " .. name }, cb, function(result)
    local path = tostring(v(result.path) or "")
    local what = ("%sx%s %s, %s"):format(tostring(v(result.width) or "?"), tostring(v(result.height) or "?"),
      tostring(v(result.format) or "png"), format.bytes(v(result.size)))
    if file == nil or file == "" then
      notify.info(("screenshot of session %s: %s (%s)"):format(name, path, what))
      return cb(nil, result)
    end
    local dest = vim.fn.fnamemodify(file, ":p")
    if vim.fn.isdirectory(dest) == 1 then
      dest = dest:gsub("/+$", "") .. "/" .. vim.fn.fnamemodify(path, ":t")
    end
    local ok, cerr = compat.uv.fs_copyfile(path, dest)
    if not ok then
      local err = {
        message = ("cannot copy %s to %s: %s"):format(path, dest, tostring(cerr)),
        data = { hint = "the screenshot is still at " .. path },
      }
      notify.error("screenshot of session " .. name, err)
      return cb(err, result)
    end
    notify.info(("screenshot of session %s saved to %s (%s)"):format(name, dest, what))
    cb(nil, result, dest)
  end)
end

function M.open_console(name, mods)
  name = sessions.name(name)
  return require("bdg.ui.console").open(sessions.ensure(name), mods)
end

function M.open_network(name, mods)
  name = sessions.name(name)
  return require("bdg.ui.network").open(sessions.ensure(name), mods)
end

-- teardown leaves nothing running (VimLeavePre): redraw timers, direct
-- connections, and the backend. Sessions themselves run on.
function M.teardown()
  pcall(function()
    require("bdg.ui.console").close_all()
    require("bdg.ui.network").close_all()
  end)
  for _, s in ipairs(sessions.all()) do
    socket.close(s)
  end
  backend.shutdown_sync()
end

return M
