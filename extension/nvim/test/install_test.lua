-- The plugin as a user installs it: a copy of the repository (as a plugin
-- manager clones it) built by its hook (make build), the plugin on
-- 'runtimepath' from there, no path set and no bdg-rpc on PATH.
-- test/run.sh makes the copy ($BDG_NVIM_INSTALL_ROOT) and runs this suite.
local h = require("harness")
local test, eq, ok = h.test, h.eq, h.ok

local api = vim.api
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local fixtures_root = vim.fn.fnamemodify(here, ":h:h:h") .. "/testdata/fixtures"

local copy = os.getenv("BDG_NVIM_INSTALL_ROOT")
assert(copy and copy ~= "", "BDG_NVIM_INSTALL_ROOT: the copy of the repository (test/run.sh makes it)")

local home = os.getenv("BDG_NVIM_TEST_HOME") .. "-install"
vim.fn.mkdir(home, "p")
vim.env.BDG_HOME = home
vim.env.BDG_SESSION = nil
vim.g.bdg_path = nil
require("bdg").setup({ redraw_ms = 50 })

local notes, restore_notify = h.capture_notes(true)
local fixtures = require("fixture_server").start(fixtures_root)

test("install: the plugin runs the copy's bin/bdg-rpc, with no path set and none on PATH", function()
  eq("", vim.fn.exepath("bdg-rpc"), "no bdg-rpc on PATH")
  local want = vim.fn.resolve(copy .. "/bin/bdg-rpc")
  eq(want, vim.fn.resolve(require("bdg.config").get("path")), "path found")
end)

test("install: :checkhealth bdg says OK for the binary, Chrome, BDG_HOME and sockets", function()
  vim.cmd("checkhealth bdg")
  local text = table.concat(api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("bwipeout!")
  for _, want in ipairs({
    "OK: binary: bdg%-rpc %d+%.%d+%.%d+ %(.-, protocol %d+.-%) at " .. vim.pesc(vim.fn.resolve(copy .. "/bin/bdg-rpc")),
    "OK: chrome: /",
    "OK: home: " .. vim.pesc(home) .. " %(writable%)",
    "OK: sockets: ",
    "OK: sessions: 0 running",
  }) do
    h.matches(want, text, "checkhealth:\n" .. text)
  end
  ok(not text:find("ERROR"), "no error:\n" .. text)
end)

test("install: :BdgStart starts a session and its console fills", function()
  vim.cmd("BdgStart " .. fixtures.url("everything.html"))
  h.wait(90000, function()
    local s = require("bdg").session("default")
    return s and s.state == "running"
  end, "the session to run", function()
    local msgs = {}
    for _, n in ipairs(notes) do
      msgs[#msgs + 1] = n.msg
    end
    return table.concat(msgs, "\n")
  end)
  h.wait(30000, function()
    return vim.tbl_contains(h.texts(require("bdg").session("default")), "everything done")
  end, "the fixture's last message")
  local pid = require("bdg.backend").info().pid
  eq(vim.fn.resolve(copy .. "/bin/bdg-rpc"), vim.fn.resolve("/proc/" .. tostring(pid) .. "/exe"), "the backend runs the copy's binary")
end)

h.finally("install: cleanup: the session stopped, BDG_HOME removed", function()
  pcall(function()
    vim.fn.system({ copy .. "/bin/bdg-rpc", "stop", "--session", "default" })
  end)
  pcall(require("bdg.actions").teardown)
  fixtures.close()
  restore_notify()
  vim.fn.delete(home, "rf")
  ok(vim.fn.isdirectory(home) == 0, "BDG_HOME removed")
end)
