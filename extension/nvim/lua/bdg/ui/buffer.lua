-- Scratch buffers: read-only to the user, written only through here, and
-- shown in a window on demand.
local config = require("bdg.config")

local M = {}

local api = vim.api

-- create makes a hidden, unlisted scratch buffer named name (a number is
-- added when the name is taken) with the given filetype.
function M.create(name, filetype)
  local buf = api.nvim_create_buf(false, true)
  local ok = pcall(api.nvim_buf_set_name, buf, name)
  local n = 2
  while not ok and n < 100 do
    ok = pcall(api.nvim_buf_set_name, buf, ("%s (%d)"):format(name, n))
    n = n + 1
  end
  local bo = vim.bo[buf]
  bo.buftype = "nofile"
  bo.bufhidden = "hide"
  bo.swapfile = false
  bo.modifiable = false
  bo.filetype = filetype
  return buf
end

function M.valid(buf)
  return buf ~= nil and api.nvim_buf_is_valid(buf)
end

-- set_lines replaces lines [s, e) of a read-only buffer.
function M.set_lines(buf, s, e, lines)
  local bo = vim.bo[buf]
  bo.modifiable = true
  local ok, err = pcall(api.nvim_buf_set_lines, buf, s, e, false, lines)
  bo.modifiable = false
  if not ok then
    error(err, 0)
  end
end

-- windows lists the windows of the current tab page that show buf.
function M.windows(buf)
  local out = {}
  for _, win in ipairs(api.nvim_tabpage_list_wins(0)) do
    if api.nvim_win_get_buf(win) == buf then
      out[#out + 1] = win
    end
  end
  return out
end

-- show focuses a window showing buf, or opens one (mods: :vertical,
-- :tab... as given to the command; else the `split` option).
function M.show(buf, mods)
  local wins = M.windows(buf)
  if #wins > 0 then
    api.nvim_set_current_win(wins[1])
    return wins[1]
  end
  local cmd = (mods and mods ~= "") and (mods .. " split") or config.get("split")
  vim.cmd(cmd)
  local win = api.nvim_get_current_win()
  api.nvim_win_set_buf(win, buf)
  vim.wo[win].wrap = false
  vim.wo[win].number = false
  vim.wo[win].list = false
  return win
end

-- view returns the view of a session from views (a table by session name),
-- making a new one with make(session), drawn at once, when there is none,
-- its buffer is gone, or it belongs to an older session of the same name.
function M.view(views, session, make)
  local view = views[session.name]
  if view and view.session ~= session then
    view:close()
    view = nil
  end
  if not view or not M.valid(view.buf) then
    view = make(session)
    view.throttle:now()
  end
  return view
end

return M
