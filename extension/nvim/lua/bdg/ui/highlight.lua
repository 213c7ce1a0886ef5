-- Highlight groups, linked by default (a colorscheme may override them):
-- the Diagnostic* groups where they exist, else the classic ones.
local M = {}

M.ns = vim.api.nvim_create_namespace("bdg")

local links = {
  BdgConsoleError = { "DiagnosticError", "ErrorMsg" },
  BdgConsoleWarning = { "DiagnosticWarn", "WarningMsg" },
  BdgConsoleInfo = { "DiagnosticInfo", "Directory" },
  BdgConsoleDebug = { "DiagnosticHint", "Comment" },
  BdgConsoleLog = { "Normal", "Normal" },
  BdgConsoleMarker = { "Title", "Title" }, -- navigations, drops, the end
  BdgNetworkError = { "DiagnosticError", "ErrorMsg" },
  BdgNetworkRedirect = { "DiagnosticWarn", "WarningMsg" },
  BdgNetworkPending = { "Comment", "Comment" },
  BdgDetailHeading = { "Title", "Title" },
}

-- The group of each console level.
M.console = {
  error = "BdgConsoleError",
  warning = "BdgConsoleWarning",
  info = "BdgConsoleInfo",
  debug = "BdgConsoleDebug",
  log = "BdgConsoleLog",
}

function M.define()
  for group, targets in pairs(links) do
    local target = vim.fn.hlexists(targets[1]) == 1 and targets[1] or targets[2]
    vim.cmd(("highlight default link %s %s"):format(group, target))
  end
end

-- apply highlights whole lines: marks is a list of {line (0-based), group,
-- length in bytes}. Each mark ends on its own line, so that clearing or
-- rewriting the next line leaves it alone (a mark to the end of the line,
-- col -1, ends at the start of the next one).
function M.apply(buf, marks)
  local set = vim.api.nvim_buf_set_extmark
  for _, m in ipairs(marks) do
    set(buf, M.ns, m[1], 0, { end_row = m[1], end_col = m[3], hl_group = m[2] })
  end
end

return M
