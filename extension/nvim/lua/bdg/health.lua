-- :checkhealth bdg: the binary the plugin runs, and what `bdg-rpc doctor`
-- finds (its version, Chrome, BDG_HOME, sockets, sessions), each with what
-- to do where something is missing.
local M = {}

-- report is vim.health (Neovim 0.8+) or the health module of 0.7.
local function report()
  local h = vim.health or require("health")
  return {
    start = h.start or h.report_start,
    ok = h.ok or h.report_ok,
    warn = h.warn or h.report_warn,
    error = h.error or h.report_error,
  }
end

local BUILD_HINT = "run `make build` in the plugin's repository (lazy.nvim: build = \"make build\"; packer: run = \"make build\"),"
  .. " or put bdg-rpc on PATH, or set require('bdg').setup({ path = ... })"

function M.check()
  local h = report()
  h.start("bdg-rpc")
  local path = require("bdg.config").get("path")
  local exe = vim.fn.exepath(path)
  if exe == "" then
    h.error(("no bdg-rpc binary: %q is not an executable"):format(path), { BUILD_HINT })
    return
  end
  local out = vim.fn.system({ exe, "doctor", "--json" })
  local ok, rep = pcall(vim.fn.json_decode, out)
  if not ok or type(rep) ~= "table" or type(rep.checks) ~= "table" then
    h.error(("%s doctor did not answer (%s): is it a bdg-rpc?"):format(exe, vim.trim(out):sub(1, 200)), { BUILD_HINT })
    return
  end
  for _, c in ipairs(rep.checks) do
    local msg = ("%s: %s"):format(c.name, c.detail)
    local advice = (type(c.hint) == "string" and c.hint ~= "") and { c.hint } or nil
    if c.status == "ok" then
      h.ok(msg)
    elseif c.status == "warn" then
      h.warn(msg, advice)
    else
      h.error(msg, advice)
    end
  end
end

return M
