-- bdg: live Chrome DevTools console and network in Neovim, from
-- `bdg-rpc serve` (docs/PROTOCOL.md). The commands are in plugin/bdg.lua;
-- this is the Lua API behind them.
--
--   require("bdg").setup({ path = "/path/to/bdg-rpc" })
--   require("bdg").start("http://localhost:3000", { session = "app" })
--   require("bdg").attach_tab({ endpoint = "9222" })
--   require("bdg").eval("document.title", {}, function(err, r) print(r.text) end)
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

-- eval(expr, opts, cb) evaluates expr in the page of a session
-- (page/evaluate, a promise awaited) and shows the value, as :BdgEval;
-- cb(err, result, buf) gets page/evaluate's result ({type, subtype?,
-- value?, text, exception?}) and the buffer it was shown in, if one.
-- opts: session, frame or target (where in the page), await = false (a
-- promise as it is), show = false (nothing shown, errors included), mods
-- (for the window: "vertical"...). cb may come in place of opts.
function M.eval(expr, opts, cb)
  return require("bdg.actions").eval(expr, opts, cb)
end

-- reload({session, ignore_cache, wait_until, timeout_ms}, cb), as
-- :BdgReload; navigate(url, {session, wait_until, timeout_ms}, cb), as
-- :BdgNavigate: cb(err, {navigationId, url, waitedFor}).
function M.reload(opts, cb)
  return require("bdg.actions").reload(opts, cb)
end

function M.navigate(url, opts, cb)
  return require("bdg.actions").navigate(url, opts, cb)
end

-- screenshot(file, {session}, cb), as :BdgScreenshot: cb(err, {path,
-- format, size, width, height}, file copied to).
function M.screenshot(file, opts, cb)
  return require("bdg.actions").screenshot(file, opts, cb)
end

-- session returns what this editor knows of a session (nil if nothing):
-- state, last_seq, console and network stores.
function M.session(name)
  local sessions = require("bdg.sessions")
  return sessions.get(sessions.name(name))
end

return M
