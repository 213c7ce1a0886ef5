-- Detail buffers: a request's headers and body (bdg://NAME/request/ID), a
-- console message with its stack (bdg://NAME/message/SEQ), or the value
-- of the last :BdgEval (bdg://NAME/eval). One buffer per item, refilled
-- when opened again; q closes the window. In a message, gd on a stack
-- frame or the At: line opens its original source (source maps).
local buffer = require("bdg.ui.buffer")
local format = require("bdg.ui.format")
local hl = require("bdg.ui.highlight")

local api = vim.api

local M = {}

local buffers = {} -- name -> buf

local function fill(name, filetype, lines, headings)
  local buf = buffers[name]
  if not buffer.valid(buf) then
    buf = buffer.create(name, filetype)
    buffers[name] = buf
    vim.bo[buf].bufhidden = "wipe"
    vim.keymap.set("n", "q", "<Cmd>close<CR>", { buffer = buf, silent = true, desc = "bdg: close" })
  elseif vim.bo[buf].filetype ~= filetype then
    vim.bo[buf].filetype = filetype
  end
  api.nvim_buf_clear_namespace(buf, hl.ns, 0, -1)
  buffer.set_lines(buf, 0, -1, lines)
  local marks = {}
  for _, l in ipairs(headings) do
    marks[#marks + 1] = { l, "BdgDetailHeading", #lines[l + 1] }
  end
  hl.apply(buf, marks)
  return buf
end

-- show_request shows a request (as network/get answered it) in a window.
function M.show_request(session, request, mods)
  local lines, headings = format.request_detail(request)
  local name = ("bdg://%s/request/%s"):format(session, request.requestId)
  local buf = fill(name, "bdgrequest", lines, headings)
  buffer.show(buf, mods)
  api.nvim_win_set_cursor(0, { 1, 0 })
  return buf
end

-- show_message shows a console message in a window.
function M.show_message(session, message, mods)
  local lines, headings = format.message_detail(message)
  local name = ("bdg://%s/message/%s"):format(session, tostring(message.seq))
  local buf = fill(name, "bdgmessage", lines, headings)
  vim.keymap.set("n", "gd", function()
    local place = require("bdg.sources").place_in(api.nvim_get_current_line())
    if not place then
      vim.notify("bdg: no source place on this line (a stack frame or the At: line)", vim.log.levels.WARN)
      return
    end
    require("bdg.sources").goto_place(session, place)
  end, { buffer = buf, silent = true, desc = "bdg: open this place's original source" })
  buffer.show(buf, mods)
  api.nvim_win_set_cursor(0, { 1, 0 })
  return buf
end

-- show_value shows the value of an evaluation in session's page, as lines
-- of filetype (json, text), in a window.
function M.show_value(session, lines, filetype, mods)
  local buf = fill(("bdg://%s/eval"):format(session), filetype, lines, {})
  buffer.show(buf, mods)
  api.nvim_win_set_cursor(0, { 1, 0 })
  return buf
end

return M
