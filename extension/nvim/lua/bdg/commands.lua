-- The user commands. Each parses its arguments and hands over to
-- bdg.actions, loaded on first use.
local M = {}

local function actions()
  return require("bdg.actions")
end

-- complete_sessions offers the sessions known here and those on disk.
function M.complete_sessions(lead)
  local seen, out = {}, {}
  local function add(name)
    if not seen[name] and name:sub(1, #lead) == lead then
      seen[name] = true
      out[#out + 1] = name
    end
  end
  for _, s in ipairs(require("bdg.sessions").all()) do
    add(s.name)
  end
  local home = require("bdg.config").get("bdg_home")
  for _, dir in ipairs(vim.fn.glob(home .. "/sessions/*", false, true)) do
    add(vim.fn.fnamemodify(dir, ":t"))
  end
  table.sort(out)
  return out
end

-- complete_endpoints offers, for :BdgAttachTab, the usual port and the
-- DevToolsActivePort files of the profiles auto-connect looks in that
-- exist here (a Chrome with remote debugging on writes one).
function M.complete_endpoints(lead)
  local out, seen = {}, {}
  local function add(e)
    if not seen[e] and e:sub(1, #lead) == lead then
      seen[e] = true
      out[#out + 1] = e
    end
  end
  add("9222")
  local base, dirs
  if vim.fn.has("mac") == 1 then
    base = vim.fn.expand("~/Library/Application Support")
    dirs = { "Google/Chrome", "Google/Chrome Beta", "Google/Chrome Dev", "Google/Chrome Canary", "Chromium" }
  else
    base = vim.env.XDG_CONFIG_HOME
    if not base or base == "" then
      base = vim.fn.expand("~/.config")
    end
    dirs = { "google-chrome", "google-chrome-beta", "google-chrome-unstable", "google-chrome-canary", "chromium" }
  end
  for _, dir in ipairs(dirs) do
    local file = base .. "/" .. dir .. "/DevToolsActivePort"
    if vim.fn.filereadable(file) == 1 then
      add(file)
    end
  end
  return out
end

local function arg(opts, i)
  local a = opts.fargs[i]
  if a == nil or a == "" then
    return nil
  end
  return a
end

local defs = {
  BdgStart = {
    function(opts)
      if #opts.fargs > 2 then
        return vim.notify("bdg: usage: :BdgStart {url} [session]", vim.log.levels.ERROR)
      end
      actions().start(opts.fargs[1], { session = arg(opts, 2) })
    end,
    { nargs = "+", desc = "bdg: start a session on {url} [session]" },
  },
  BdgAttachTab = {
    function(opts)
      actions().attach_tab({ endpoint = arg(opts, 1), reload = opts.bang })
    end,
    {
      nargs = "?",
      bang = true,
      complete = M.complete_endpoints,
      desc = "bdg: watch a tab of a running Chrome [endpoint] (! reloads it to capture its load)",
    },
  },
  BdgStop = {
    function(opts)
      actions().stop(arg(opts, 1))
    end,
    { nargs = "?", complete = M.complete_sessions, desc = "bdg: stop a session" },
  },
  BdgStatus = {
    function(opts)
      actions().status(arg(opts, 1))
    end,
    { nargs = "?", complete = M.complete_sessions, desc = "bdg: show a session's state" },
  },
  BdgAttach = {
    function(opts)
      actions().attach(arg(opts, 1), { direct = opts.bang })
    end,
    {
      nargs = "?",
      bang = true,
      complete = M.complete_sessions,
      desc = "bdg: join a running session (! connects to its worker's socket)",
    },
  },
  BdgConsole = {
    function(opts)
      actions().open_console(arg(opts, 1), opts.mods)
    end,
    { nargs = "?", complete = M.complete_sessions, desc = "bdg: open a session's console buffer" },
  },
  BdgNetwork = {
    function(opts)
      actions().open_network(arg(opts, 1), opts.mods)
    end,
    { nargs = "?", complete = M.complete_sessions, desc = "bdg: open a session's network buffer" },
  },
  BdgEval = {
    function(opts)
      actions().eval(opts.args, { mods = opts.mods })
    end,
    { nargs = "+", desc = "bdg: evaluate a JavaScript expression in the page of the current session" },
  },
  BdgReload = {
    function(opts)
      actions().reload({ ignore_cache = opts.bang })
    end,
    { nargs = 0, bang = true, desc = "bdg: reload the page of the current session (! without the cache)" },
  },
  BdgNavigate = {
    function(opts)
      actions().navigate(opts.args)
    end,
    { nargs = 1, desc = "bdg: load {url} in the page of the current session" },
  },
  BdgScreenshot = {
    function(opts)
      -- As :write takes a file name: ~, %, $VAR expanded.
      local file = opts.args ~= "" and vim.fn.expand(opts.args) or nil
      actions().screenshot(file)
    end,
    {
      nargs = "?",
      complete = "file",
      desc = "bdg: screenshot the page of the current session [copied to file]",
    },
  },
}

function M.define()
  for name, def in pairs(defs) do
    vim.api.nvim_create_user_command(name, def[1], def[2])
  end
end

return M
