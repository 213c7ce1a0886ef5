-- Options: setup{...} over g: variables over defaults.
local compat = require("bdg.util.compat")

local M = {}

-- Every option, with its default (vim.NIL: none, the backend decides).
local defaults = {
  path = vim.NIL, -- the bdg-rpc binary: g:bdg_path, else bin/bdg-rpc of the plugin's repository (make build), else "bdg-rpc" on PATH
  session = vim.NIL, -- default session name: g:bdg_session, $BDG_SESSION, "default"
  headless = vim.NIL, -- session/start headless (default: headless without a display)
  chrome_path = vim.NIL, -- session/start chromePath
  include_all = false, -- session/start includeAll: keep requests to tracking hosts
  max_body_bytes = vim.NIL, -- session/start maxBodyBytes
  timeout_seconds = vim.NIL, -- session/start timeoutSeconds
  bdg_home = vim.NIL, -- where completion finds session names: $BDG_HOME, else ~/.bdg
  log_file = vim.NIL, -- bdg-rpc serve --log-file
  max_lines = 10000, -- lines kept in the console and network buffers
  redraw_ms = 100, -- buffers are redrawn at most this often
  split = "split", -- how :BdgConsole, :BdgNetwork and details open a window
  follow = true, -- keep windows at the bottom of the console as it grows
  web_root = vim.NIL, -- where gd finds the original sources (a dev server's root): g:bdg_web_root, else the working directory
}

local user = {}

-- g: variables that map to options.
local globals = {
  path = "bdg_path",
  session = "bdg_session",
  headless = "bdg_headless",
  chrome_path = "bdg_chrome_path",
  max_lines = "bdg_max_lines",
  redraw_ms = "bdg_redraw_ms",
  log_file = "bdg_log_file",
  web_root = "bdg_web_root",
}

function M.setup(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("bdg: setup() takes a table of options", 2)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if defaults[k] == nil then
      vim.notify(("bdg: unknown option %q in setup()"):format(k), vim.log.levels.WARN)
    end
  end
  user = vim.deepcopy(opts)
end

-- repo_binary is bin/bdg-rpc of the repository this plugin is part of
-- (extension/nvim/lua/bdg/config.lua is five levels below its root), where
-- a plugin manager's build hook (make build) puts it.
function M.repo_binary()
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) ~= "@" then
    return nil
  end
  local root = vim.fn.fnamemodify(src:sub(2), ":p:h:h:h:h:h")
  return root .. "/bin/bdg-rpc"
end

-- get returns the value of an option now (g: variables may change at any time).
function M.get(key)
  if user[key] ~= nil then
    return user[key]
  end
  local g = globals[key]
  if g and vim.g[g] ~= nil then
    local v = vim.g[g]
    if key == "headless" then
      return v == true or v == 1
    end
    return v
  end
  if key == "path" then
    local bundled = M.repo_binary()
    if bundled and vim.fn.executable(bundled) == 1 then
      return bundled
    end
    return "bdg-rpc"
  end
  if key == "session" then
    local env = vim.env.BDG_SESSION
    return (env and env ~= "") and env or "default"
  end
  if key == "bdg_home" then
    local env = vim.env.BDG_HOME
    if env and env ~= "" then
      return (vim.fn.fnamemodify(env, ":p"):gsub("/$", ""))
    end
    return vim.fn.expand("~/.bdg")
  end
  return compat.value(defaults[key])
end

return M
