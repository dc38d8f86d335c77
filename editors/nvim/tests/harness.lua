-- A small test harness for a real headless Neovim (no test library can be
-- installed here). Run: nvim --headless -u NONE -l tests/harness.lua tests/*_spec.lua
--
-- Globals for specs: it(name, fn), eventually(ms, pred, what), eq(want, got, what),
-- ok(cond, what), and T (helpers). Tests run in order; after each one every
-- window, buffer, job and LSP client is gone again. Output: one line per test
-- and `N passed, N failed`; the exit status is 1 when a test failed.

local here = vim.fs.dirname(vim.fs.abspath(debug.getinfo(1, 'S').source:sub(2)))
local plugin_dir = vim.fs.dirname(here)

vim.opt.runtimepath:prepend(plugin_dir)
vim.cmd('filetype on')
vim.o.swapfile = false
vim.o.shortmess = vim.o.shortmess .. 'I'
vim.cmd.runtime('plugin/errsig.lua')

local function out(s)
  io.stdout:write(s .. '\n')
  io.stdout:flush()
end

-- Messages (vim.notify) are kept for tests that check them.
_G.NOTIFIED = {}
vim.notify = function(msg, level)
  table.insert(_G.NOTIFIED, { msg = msg, level = level })
end

local tests = {} ---@type { name: string, fn: fun(), file: string }[]
local current_file = ''

---@param name string
---@param fn fun()
function _G.it(name, fn)
  table.insert(tests, { name = name, fn = fn, file = current_file })
end

---@param what string
local function fail(what, level)
  error(what, (level or 1) + 1)
end

function _G.ok(cond, what)
  if not cond then
    fail('expected: ' .. (what or 'true'), 2)
  end
  return cond
end

function _G.eq(want, got, what)
  if not vim.deep_equal(want, got) then
    fail(('%s: want %s, got %s'):format(what or 'eq', vim.inspect(want), vim.inspect(got)), 2)
  end
  return got
end

--- Wait (processing events) until pred() returns a truthy value; fail after ms.
--- pred runs outside vim.wait, so it may itself wait (request_sync does).
---@generic R
---@param ms integer
---@param pred fun(): R
---@param what? string
---@return R
function _G.eventually(ms, pred, what)
  local deadline = vim.uv.hrtime() + ms * 1e6
  local last
  while true do
    local ok_, r = pcall(pred)
    if ok_ and r then
      return r
    end
    last = r
    if vim.uv.hrtime() > deadline then
      break
    end
    vim.wait(20)
  end
  fail(('timed out after %d ms waiting for %s (last: %s)'):format(ms, what or 'condition', vim.inspect(last)), 2)
end

-- Helpers ------------------------------------------------------------------

local T = {}
_G.T = T
T.plugin_dir = plugin_dir
T.repo = vim.fs.dirname(vim.fs.dirname(plugin_dir))
T.bin = (vim.env.ERRSIG_BIN and vim.env.ERRSIG_BIN ~= '') and vim.env.ERRSIG_BIN or 'errsig'

---@param name string file name under tests/fixtures/real
function T.fixture(name)
  return T.repo .. '/tests/fixtures/real/' .. name
end

--- A fresh directory.
function T.tmpdir()
  local d = vim.fn.tempname()
  vim.fn.mkdir(d, 'p')
  return d
end

---@param src string
---@param dst string
function T.copy(src, dst)
  vim.fn.mkdir(vim.fs.dirname(dst), 'p')
  assert(vim.uv.fs_copyfile(src, dst))
end

---@param path string
function T.read(path)
  local f = io.open(path, 'r')
  if not f then
    return nil
  end
  local s = f:read('*a')
  f:close()
  return s
end

--- setup() with the binary under test.
---@param opts? errsig.Options
function T.setup(opts)
  require('errsig').setup(vim.tbl_extend('force', { cmd = { T.bin, 'lsp' } }, opts or {}))
end

--- The errsig diagnostics of a buffer, sorted by line.
function T.diags(buf)
  local d = require('errsig').diagnostics(buf)
  table.sort(d, function(a, b)
    return a.lnum < b.lnum
  end)
  return d
end

--- The errsig client of a buffer, once it is attached and initialized.
function T.client(buf, ms)
  return eventually(ms or 10000, function()
    local c = require('errsig').client(buf)
    return c and c.initialized and c
  end, 'an initialized errsig client on buffer ' .. buf)
end

--- A synchronous request to the errsig client of `buf`.
function T.request(buf, method, params)
  local client = T.client(buf)
  local r = client:request_sync(method, params, 5000, buf)
  assert(r, method .. ': no answer')
  assert(not r.err, method .. ': ' .. vim.inspect(r.err))
  return r.result
end

function T.stats(buf)
  return T.request(buf, 'errsig/debugStats', { uri = vim.uri_from_bufnr(buf) })
end

--- All lines of a buffer as one string.
function T.text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

--- Run the code action whose title matches `pattern` (plain find) at `lnum`,
--- the way `gra` does (vim.lsp.buf.code_action, applied when it is the only one).
function T.code_action(buf, lnum, pattern)
  vim.api.nvim_set_current_buf(buf)
  vim.api.nvim_win_set_cursor(0, { lnum + 1, 0 })
  local seen = {}
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(a)
      table.insert(seen, a.title)
      return a.title:find(pattern, 1, true) ~= nil
    end,
  })
  return seen
end

--- Resize the (headless) screen. Under `nvim -l` setting 'columns' does not
--- re-lay the windows out by itself; `wincmd =` does.
function T.screen(columns, lines)
  vim.o.columns = columns
  vim.o.lines = lines
  vim.cmd('wincmd =')
end

--- A terminal running `cmd` in a window whose pty is exactly `cols` wide
--- (signcolumn yes:1 set before the job starts). Returns the buffer.
---@param cmd string|string[]
---@param cols integer
function T.term(cmd, cols)
  T.screen(math.max(cols + 40, 120), 40)
  vim.cmd('vnew')
  vim.cmd('vertical resize ' .. (cols + 2))
  vim.wo.number = false
  vim.wo.relativenumber = false
  vim.wo.foldcolumn = '0'
  vim.wo.signcolumn = 'yes:1'
  local buf = vim.api.nvim_get_current_buf()
  eq(cols, require('errsig.terminal').columns(buf) or vim.fn.winwidth(0) - 2, 'pty width of the new window')
  vim.fn.jobstart(cmd, { term = true })
  return buf
end

local children = {} ---@type integer[]

--- A second Neovim (`--embed --headless`) with the plugin on its runtimepath,
--- driven over RPC. Unlike this one (`-l` runs before the main loop), it runs
--- its main loop: WinResized fires and terminals re-wrap on resize.
---@return { lua: fun(code: string, ...): any, chan: integer }
function T.child()
  local chan = vim.fn.jobstart({ vim.v.progpath, '--embed', '--headless', '-u', 'NONE', '-i', 'NONE', '-n' }, {
    rpc = true,
  })
  assert(chan > 0, 'cannot start a child nvim')
  table.insert(children, chan)
  local c = { chan = chan }
  function c.lua(code, ...)
    return vim.rpcrequest(chan, 'nvim_exec_lua', code, { ... })
  end
  c.lua(
    [[
    local dir = ...
    vim.opt.runtimepath:prepend(dir)
    vim.cmd('filetype on')
    vim.o.swapfile = false
    vim.cmd.runtime('plugin/errsig.lua')
  ]],
    T.plugin_dir
  )
  return c
end

--- Back to one empty window, no buffers, no jobs, no clients.
function T.reset()
  vim.cmd.cd(vim.fn.fnameescape(T.plugin_dir))
  vim.cmd('silent! only!')
  vim.cmd('silent! tabonly!')
  T.screen(80, 24)
  vim.cmd('enew!')
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if b ~= vim.api.nvim_get_current_buf() then
      pcall(vim.api.nvim_buf_delete, b, { force = true })
    end
  end
  for _, c in ipairs(vim.lsp.get_clients()) do
    c:stop(true)
  end
  vim.wait(5000, function()
    return #vim.lsp.get_clients() == 0
  end, 20)
  vim.fn.setqflist({}, 'r')
  _G.NOTIFIED = {}
  for _, chan in ipairs(children) do
    pcall(vim.rpcrequest, chan, 'nvim_exec_lua', 'for _, c in ipairs(vim.lsp.get_clients()) do c:stop(true) end', {})
    vim.fn.jobstop(chan)
    vim.fn.jobwait({ chan }, 5000)
  end
  children = {}
end

-- Run ----------------------------------------------------------------------

local files = _G.arg or {}
for _, f in ipairs(files) do
  current_file = vim.fs.basename(f)
  local chunk, err = loadfile(f)
  if not chunk then
    out(('FAIL %s: cannot load: %s'):format(f, err))
    table.insert(tests, {
      name = 'load ' .. f,
      file = current_file,
      fn = function()
        error(err)
      end,
    })
  else
    chunk()
  end
end

local passed, failed = 0, 0
local started = vim.uv.hrtime()
for _, t in ipairs(tests) do
  local t0 = vim.uv.hrtime()
  local ok_, err = xpcall(t.fn, debug.traceback)
  local ms = math.floor((vim.uv.hrtime() - t0) / 1e6)
  if ok_ then
    passed = passed + 1
    out(('ok   %s: %s (%d ms)'):format(t.file, t.name, ms))
  else
    failed = failed + 1
    out(('FAIL %s: %s (%d ms)\n     %s'):format(t.file, t.name, ms, tostring(err):gsub('\n', '\n     ')))
  end
  local ok_reset, reset_err = pcall(T.reset)
  if not ok_reset then
    out('     (reset failed: ' .. tostring(reset_err) .. ')')
  end
end
out(('%d passed, %d failed (%.1f s)'):format(passed, failed, (vim.uv.hrtime() - started) / 1e9))
os.exit((failed > 0 or passed == 0) and 1 or 0)
