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
