-- Test runner for headless Neovim (0.7 has no `nvim -l`):
--   nvim --headless -u NONE -i NONE -n --cmd 'set rtp^=extension/nvim' \
--        -c 'luafile extension/nvim/test/run.lua'
-- $BDG_NVIM_SUITES: comma-separated suites (test/<suite>_test.lua),
-- default "unit"; $BDG_NVIM_FILTER: only tests whose name contains it.
-- It always quits: qall! when every test passed, cquit 1 otherwise, so a
-- Lua error cannot leave Neovim waiting.
local dir = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
package.path = dir .. "/?.lua;" .. package.path

local function out(s)
  io.stdout:write(s .. "\n")
  io.stdout:flush()
end

local ok, result = xpcall(function()
  vim.cmd("runtime plugin/bdg.lua")
  -- Progress lines would go to stderr in the middle of the report.
  require("bdg.util.notify").progress = function(msg)
    out("      progress: " .. msg)
  end
  assert(vim.fn.exists(":BdgStart") == 2, "plugin/bdg.lua did not define :BdgStart (is the plugin on 'runtimepath'?)")
  local h = require("harness")
  local failed = 0
  local filter = os.getenv("BDG_NVIM_FILTER")
  if filter == "" then
    filter = nil
  end
  for _, suite in ipairs(vim.split(os.getenv("BDG_NVIM_SUITES") or "unit", ",", { trimempty = true })) do
    out(("== %s (%s)"):format(suite, vim.version and tostring(vim.version().major .. "." .. vim.version().minor .. "." .. vim.version().patch) or "?"))
    dofile(("%s/%s_test.lua"):format(dir, suite))
    failed = failed + h.run(filter)
  end
  return failed
end, debug.traceback)

if not ok then
  out("FAIL: the test run itself failed:\n" .. tostring(result))
  vim.cmd("cquit 1")
elseif result > 0 then
  out(("FAIL: %d test(s) failed"):format(result))
  vim.cmd("cquit 1")
else
  out("PASS")
  vim.cmd("qall!")
end
