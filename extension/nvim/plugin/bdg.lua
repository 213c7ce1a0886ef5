-- bdg: commands and autocommands. The rest loads on first use.
if vim.g.loaded_bdg then
  return
end
vim.g.loaded_bdg = true

if vim.fn.has("nvim-0.7") == 0 then
  vim.api.nvim_echo({ { "bdg: Neovim 0.7 or newer is needed", "ErrorMsg" } }, true, {})
  return
end

require("bdg.commands").define()

local group = vim.api.nvim_create_augroup("bdg", { clear = true })

require("bdg.ui.highlight").define()
vim.api.nvim_create_autocmd("ColorScheme", {
  group = group,
  callback = function()
    require("bdg.ui.highlight").define()
  end,
})

-- Stop the backend (and our timers and sockets) when Neovim exits; the
-- sessions themselves keep running until :BdgStop.
vim.api.nvim_create_autocmd("VimLeavePre", {
  group = group,
  callback = function()
    if package.loaded["bdg.actions"] then
      require("bdg.actions").teardown()
    end
  end,
})
