-- A small test harness for headless Neovim 0.7+ (no busted, no plenary):
-- test(name, fn) registers, run() runs them all and returns the failures.
-- Assertions raise errors with the message and the place it failed.
local uv = vim.uv or vim.loop

local M = {}

local tests = {}

local finals = {}

function M.test(name, fn)
  tests[#tests + 1] = { name = name, fn = fn }
end

-- finally(name, fn) runs fn after the tests, whatever happened to them
-- (cleanup); an error in it is a failure too.
function M.finally(name, fn)
  finals[#finals + 1] = { name = name, fn = fn }
end

local function fail(msg, level)
  error(msg, (level or 1) + 2)
end

function M.eq(want, got, what)
  if not vim.deep_equal(want, got) then
    fail(("%s:\n  want %s\n  got  %s"):format(what or "values differ", vim.inspect(want), vim.inspect(got)))
  end
end

function M.ok(cond, what)
  if not cond then
    fail(what or "expected a true value")
  end
end

function M.matches(pattern, s, what)
  if type(s) ~= "string" or not s:find(pattern) then
    fail(("%s: %s does not match %q"):format(what or "no match", vim.inspect(s), pattern))
  end
end

-- wait polls cond (running the event loop) for up to ms; on timeout it
-- fails with what, and describe() if given, to show the state.
function M.wait(ms, cond, what, describe)
  if vim.wait(ms, cond, 20) then
    return
  end
  local msg = ("timed out after %d ms waiting for %s"):format(ms, what)
  if describe then
    msg = msg .. "\n" .. describe()
  end
  fail(msg)
end

function M.log(fmt, ...)
  io.stdout:write(fmt:format(...) .. "\n")
  io.stdout:flush()
end

-- await calls start(done) and waits up to ms for done to be called (a
-- callback cb(err, result, ...) of the plugin's API); it returns what done
-- got. On timeout it fails with what.
function M.await(ms, what, start)
  local got
  start(function(...)
    got = { n = select("#", ...), ... }
  end)
  M.wait(ms, function()
    return got ~= nil
  end, what)
  return unpack(got, 1, got.n)
end

-- capture_notes puts a stand-in for vim.notify that records each message
-- ({msg, level}) in the list it returns, and, with echo, logs it too; the
-- second value puts vim.notify back.
function M.capture_notes(echo)
  local notes, real = {}, vim.notify
  vim.notify = function(msg, level)
    notes[#notes + 1] = { msg = msg, level = level }
    if echo then
      M.log("      notify[%s] %s", tostring(level), (msg:gsub("\n", "\n        ")))
    end
  end
  return notes, function()
    vim.notify = real
  end
end

-- wait_note waits up to ms for a message recorded in notes after the
-- first n that matches pattern (any message when pattern is nil); it
-- returns it and the pattern's captures. On timeout it fails with what and
-- the messages that came.
function M.wait_note(notes, n, pattern, ms, what)
  local found
  M.wait(ms, function()
    for i = n + 1, #notes do
      if pattern == nil then
        found = { notes[i] }
        return true
      end
      local caps = { notes[i].msg:match(pattern) }
      if caps[1] ~= nil then
        found = { notes[i], unpack(caps) }
        return true
      end
    end
    return false
  end, what, function()
    local after = {}
    for i = n + 1, #notes do
      after[#after + 1] = notes[i].msg
    end
    return ("no message matches %s; those shown:\n  %s"):format(pattern and ("%q"):format(pattern) or "(any)",
      table.concat(after, "\n  "))
  end)
  return unpack(found)
end

-- with_notes(fn) runs fn(notes) with the messages recorded, then puts
-- vim.notify back, whatever happened.
function M.with_notes(fn)
  local notes, restore = M.capture_notes()
  local ok, err = pcall(fn, notes)
  restore()
  if not ok then
    error(err, 0)
  end
end

-- with_select(pick, fn) runs fn(menus) with vim.ui.select stubbed: it
-- records each menu asked for ({prompt, lines}, as format_item renders the
-- items) and answers it with pick(items) (nil: cancelled).
function M.with_select(pick, fn)
  local menus, real = {}, vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    local lines = {}
    for i, item in ipairs(items) do
      lines[i] = opts.format_item and opts.format_item(item) or tostring(item)
    end
    menus[#menus + 1] = { prompt = opts.prompt, lines = lines }
    on_choice(pick(items))
  end
  local ok, err = pcall(fn, menus)
  vim.ui.select = real
  if not ok then
    error(err, 0)
  end
end

-- texts returns the texts of a session's console messages, oldest first.
function M.texts(s)
  local out = {}
  for _, m in ipairs(s.console:messages()) do
    out[#out + 1] = m.text
  end
  return out
end

-- run runs the registered tests in order, then the finally functions; it
-- returns the number failed.
function M.run(filter)
  local failed = 0
  local list = {}
  for _, t in ipairs(tests) do
    if not filter or t.name:find(filter, 1, true) then
      list[#list + 1] = t
    end
  end
  vim.list_extend(list, finals)
  tests, finals = {}, {}
  for _, t in ipairs(list) do
    local t0 = uv.hrtime()
    local ok, err = xpcall(t.fn, debug.traceback)
    local ms = (uv.hrtime() - t0) / 1e6
    if ok then
      M.log("ok    %-60s %7.1f ms", t.name, ms)
    else
      failed = failed + 1
      M.log("FAIL  %-60s %7.1f ms\n%s", t.name, ms, tostring(err))
    end
  end
  return failed
end

return M
