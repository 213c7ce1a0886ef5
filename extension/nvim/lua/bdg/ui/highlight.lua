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
  BdgDetailKey = { "Identifier", "Identifier" },
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

-- add highlights whole lines: marks is a list of {line (0-based), group}.
function M.apply(buf, marks)
  for _, m in ipairs(marks) do
    vim.api.nvim_buf_add_highlight(buf, M.ns, m[2], m[1], 0, -1)
  end
end

return M
