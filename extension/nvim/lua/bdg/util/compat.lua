-- Compatibility shims, so the plugin runs on Neovim 0.7 (Debian) and newer:
-- libuv, JSON, and nil-ish values.
local M = {}

-- vim.uv arrived in 0.10; vim.loop is the same library before that.
M.uv = vim.uv or vim.loop

M.has = function(feature)
  return vim.fn.has(feature) == 1
end

-- JSON null decodes to vim.NIL; treat it as absent.
function M.value(v)
  if v == vim.NIL then
    return nil
  end
  return v
end

-- Replace lone UTF-16 surrogate escapes (\ud800 without its pair), which
-- Neovim's JSON decoder refuses, with U+FFFD. Only used when a decode has
-- already failed, so the common path costs nothing.
local function fix_surrogates(s)
  local out, pos = {}, 1
  while true do
    local a, b, slashes, hex = s:find("(\\+)u([dD][89a-fA-F]%x%x)", pos)
    if not a then
      break
    end
    local keep = true
    if #slashes % 2 == 1 then -- a real escape, not an escaped backslash
      local code = tonumber(hex, 16)
      local paired = code < 0xDC00 and s:match("^\\u[dD][c-fC-F]%x%x", b + 1)
      if paired then
        b = b + 6
      else
        keep = false
      end
    end
    if keep then
      out[#out + 1] = s:sub(pos, b)
    else
      out[#out + 1] = s:sub(pos, b - 6) .. "\\ufffd"
    end
    pos = b + 1
  end
  out[#out + 1] = s:sub(pos)
  return table.concat(out)
end

-- decode parses one JSON text; it returns the value, or nil and an error.
function M.json_decode(s)
  local ok, v = pcall(vim.json.decode, s)
  if ok then
    return v
  end
  if s:find("\\u[dD][89a-fA-F]") then
    local ok2, v2 = pcall(vim.json.decode, fix_surrogates(s))
    if ok2 then
      return v2
    end
  end
  return nil, tostring(v)
end

M._fix_surrogates = fix_surrogates

-- encode gives one JSON text with no raw newline in it, and U+2028 and
-- U+2029 escaped (docs/PROTOCOL.md, Framing). An empty table is an object.
function M.json_encode(v)
  if type(v) == "table" and next(v) == nil then
    v = vim.empty_dict()
  end
  local s = vim.json.encode(v)
  return (s:gsub("\226\128\168", "\\u2028"):gsub("\226\128\169", "\\u2029"))
end

return M
