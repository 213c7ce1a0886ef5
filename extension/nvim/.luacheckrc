-- luacheck extension/nvim (run by test/run.sh when luacheck is installed:
-- apt-get install -y lua-check)
std = "luajit"
globals = { "vim" } -- vim.g, vim.bo, vim.env... are written to
max_line_length = false
