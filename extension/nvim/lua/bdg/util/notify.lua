-- Messages to the user, all through vim.notify (so notification plugins
-- show them), errors with their hint from data.hint.
local M = {}

local levels = vim.log.levels
local TITLE = { title = "bdg" }

function M.info(msg)
  vim.notify("bdg: " .. msg, levels.INFO, TITLE)
end

function M.warn(msg)
  vim.notify("bdg: " .. msg, levels.WARN, TITLE)
end

-- format_error renders an rpc error as "what: message [kind]\nhint: ...",
-- without "what: " when what is nil.
function M.format_error(what, err)
  local head = what and (what .. ": ") or ""
  if type(err) ~= "table" then
    return head .. tostring(err)
  end
  local data = err.data or {}
  local msg = head .. (err.message or "unknown error")
  if data.kind then
    msg = msg .. (" [%s]"):format(data.kind)
  end
  if data.hint and data.hint ~= "" then
    msg = msg .. "\nhint: " .. data.hint
  end
  return msg
end

-- error(what, err): err is an rpc error ({code, message, data}) or a string;
-- an optional hint adds to (or stands in for) the error's own.
function M.error(what, err, hint)
  local msg = M.format_error(what, err)
  if hint and not msg:find("hint:", 1, true) then
    msg = msg .. "\nhint: " .. hint
  end
  vim.notify("bdg: " .. msg, levels.ERROR, TITLE)
end

-- progress shows a passing status line that does not go to :messages.
-- It is cut to the width of the command line, so it never asks to press
-- ENTER.
function M.progress(msg)
  msg = "bdg: " .. msg
  local room = vim.v.echospace
  if room and room > 1 and vim.fn.strdisplaywidth(msg) > room then
    msg = vim.fn.strcharpart(msg, 0, room - 1) .. "…"
  end
  vim.api.nvim_echo({ { msg, "ModeMsg" } }, false, {})
end

return M
