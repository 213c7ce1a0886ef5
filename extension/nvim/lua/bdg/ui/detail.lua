-- Detail buffers: a request's headers and body (bdg://NAME/request/ID), a
-- console message with its stack (bdg://NAME/message/SEQ), or the value
-- of the last :BdgEval (bdg://NAME/eval). One buffer per item, refilled
-- when opened again; q closes the window. In a message, gd on a stack
-- frame or the At: line opens its original source (source maps), in a
-- request on its Initiator line.
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

-- map_gd makes gd on a line with a place (what) open its original source.
local function map_gd(session, buf, what)
  vim.keymap.set("n", "gd", function()
    local place = require("bdg.sources").place_in(api.nvim_get_current_line())
    if not place then
      vim.notify(("bdg: no source place on this line (%s)"):format(what), vim.log.levels.WARN)
      return
    end
    require("bdg.sources").goto_place(session, place)
  end, { buffer = buf, silent = true, desc = "bdg: open this place's original source" })
end

-- show_request shows a request (as network/get answered it) in a window;
-- its Initiator line gains the original place once the worker has mapped
-- it, and gd there opens it.
function M.show_request(session, request, mods)
  local lines, headings = format.request_detail(request)
  local name = ("bdg://%s/request/%s"):format(session, request.requestId)
  local buf = fill(name, "bdgrequest", lines, headings)
  map_gd(session, buf, "the Initiator line")
  local before = format.initiator_line(request)
  local place = before and require("bdg.sources").place_in(before)
  if place then
    require("bdg.sources").original_text(session, place, function(text)
      if not text or not buffer.valid(buf) then
        return
      end
      for i, l in ipairs(api.nvim_buf_get_lines(buf, 0, -1, false)) do
        if l == before then
          buffer.set_lines(buf, i - 1, i, { format.initiator_line(request, text) })
          return
        end
      end
    end)
  end
  buffer.show(buf, mods)
  api.nvim_win_set_cursor(0, { 1, 0 })
  return buf
end

-- show_message shows a console message in a window.
function M.show_message(session, message, mods)
  local lines, headings = format.message_detail(message)
  local name = ("bdg://%s/message/%s"):format(session, tostring(message.seq))
  local buf = fill(name, "bdgmessage", lines, headings)
  map_gd(session, buf, "a stack frame or the At: line")
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
