-- bdg: live Chrome DevTools console and network in Neovim, from
-- `bdg-rpc serve` (docs/PROTOCOL.md). The commands are in plugin/bdg.lua;
-- this is the Lua API behind them.
--
--   require("bdg").setup({ path = "/path/to/bdg-rpc" })
--   require("bdg").start("http://localhost:3000", { session = "app" })
--   require("bdg").attach_tab({ endpoint = "9222" })
local M = {}

function M.setup(opts)
  require("bdg.config").setup(opts)
end

-- The actions, each with an optional callback cb(err, result).
function M.start(url, opts, cb)
  return require("bdg.actions").start(url, opts, cb)
end

-- attach_tab({endpoint, tab, reload, session}, cb) starts a session that
-- watches a tab of a running Chrome: at endpoint (a port, host:port, an
-- http:// or ws:// URL, a user-data directory or its DevToolsActivePort
-- file), else found by auto-connect. Without tab, a menu of the browser's
-- tabs (vim.ui.select) asks which; tab (a target id, an index, a URL or
-- title substring or glob) skips it. reload reloads the tab once capture
-- is on, so that its load is in the session.
function M.attach_tab(opts, cb)
  return require("bdg.actions").attach_tab(opts, cb)
end

function M.stop(session, cb)
  return require("bdg.actions").stop(session, cb)
end

function M.status(session, cb)
  return require("bdg.actions").status(session, cb)
end

function M.attach(session, opts, cb)
  return require("bdg.actions").attach(session, opts, cb)
end

function M.console(session, mods)
  return require("bdg.actions").open_console(session, mods)
end

function M.network(session, mods)
  return require("bdg.actions").open_network(session, mods)
end

-- session returns what this editor knows of a session (nil if nothing):
-- state, last_seq, console and network stores.
function M.session(name)
  local sessions = require("bdg.sessions")
  return sessions.get(sessions.name(name))
end

return M
