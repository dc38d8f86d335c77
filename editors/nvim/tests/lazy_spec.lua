-- The README's lazy.nvim specs, loaded the way lazy.nvim loads a plugin, each
-- in a fresh Neovim (no harness, no plugin/errsig.lua sourced beforehand):
-- put the plugin's directory on 'runtimepath', source its plugin/**/*.lua
-- (the repository's root has none), then call `config(plugin, opts)` (or
-- `require(main).setup(opts)` for an `opts` spec). lazy.nvim itself cannot be
-- installed here (it is on no package registry reachable from this machine);
-- these are the steps of its loader (lazy.core.loader: _load → packadd-like
-- rtp insertion, source_runtime 'plugin', then config).

--- The ```lua blocks of a markdown section, up to the next heading.
local function lua_blocks(file, heading)
  local text = assert(T.read(file), file)
  local section = text:match('\n' .. vim.pesc(heading) .. '\n(.-)\n#')
    or text:match('\n' .. vim.pesc(heading) .. '\n(.*)$')
  assert(section, heading .. ' in ' .. file)
  local blocks = {}
  for block in section:gmatch('```lua\n(.-)\n```') do
    table.insert(blocks, block)
  end
  return blocks
end

--- Load `spec_source` as lazy.nvim would, for a plugin cloned at `dir`, in a
--- new Neovim with PATH holding errsig or not. Returns what it printed.
local function load_like_lazy(spec_source, dir, with_errsig)
  local script = vim.fn.tempname() .. '.lua'
  local f = assert(io.open(script, 'w'))
  f:write(([[
local spec = assert(loadstring('return ' .. %q))()
local plugin = { dir = %q, name = 'errsig' }
if type(spec.dir) == 'string' and not spec.dir:find('/path/to', 1, true) then plugin.dir = spec.dir end
local notified = {}
vim.notify = function(msg) table.insert(notified, msg) end
vim.opt.runtimepath:prepend(plugin.dir)
for _, file in ipairs(vim.fn.glob(plugin.dir .. '/plugin/**/*.lua', false, true)) do
  vim.cmd.source(file)
end
if spec.config then
  spec.config(plugin, spec.opts or {})
elseif spec.opts then
  require(spec.main or 'errsig').setup(spec.opts)
end
print(vim.fn.exists(':Errsig') == 2 and 'command' or 'no-command')
print(vim.lsp.is_enabled('errsig') and 'enabled' or 'not-enabled')
print('notified: ' .. table.concat(notified, ' | '))
]]):format(spec_source, dir))
  f:close()
  local path = vim.env.PATH
  if with_errsig then
    path = vim.fs.dirname(vim.fn.exepath(T.bin)) .. ':' .. path
  else
    path = '/usr/bin:/bin'
  end
  local r = vim
    .system(
      { vim.v.progpath, '--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-l', script },
      { text = true, env = { PATH = path } }
    )
    :wait(20000)
  os.remove(script)
  return (r.stdout or '') .. (r.stderr or ''), r.code
end

it("the README's first lazy.nvim spec defines :Errsig and enables the server", function()
  local blocks = lua_blocks(T.plugin_dir .. '/README.md', '### lazy.nvim')
  ok(#blocks >= 2, 'two specs in the README, got ' .. #blocks)
  local out, code = load_like_lazy(blocks[1], T.repo, true)
  eq(0, code, 'nvim exit: ' .. out)
  ok(out:find('command', 1, true) and not out:find('no-command', 1, true), ':Errsig is defined: ' .. out)
  ok(out:find('enabled', 1, true) and not out:find('not-enabled', 1, true), 'the LSP config is enabled: ' .. out)
  ok(
    out:find('notified: \n', 1, true) or out:match('notified: *$') or out:find('notified: \r', 1, true),
    'no warning: ' .. out
  )
end)

it('the spec for a copy of editors/nvim (opts = {}) works too', function()
  local blocks = lua_blocks(T.plugin_dir .. '/README.md', '### lazy.nvim')
  local out, code = load_like_lazy(blocks[2], T.plugin_dir, true)
  eq(0, code, out)
  ok(out:find('command', 1, true) and not out:find('no-command', 1, true), out)
end)

it('without errsig on PATH, setup() says so and points to :checkhealth errsig', function()
  local blocks = lua_blocks(T.plugin_dir .. '/README.md', '### lazy.nvim')
  local out = load_like_lazy(blocks[1], T.repo, false)
  ok(out:find('"errsig" is not an executable', 1, true), out)
  ok(out:find(':checkhealth errsig', 1, true), out)
end)

it("the lazy.nvim spec of the repository's README (Installation) works too", function()
  local blocks = lua_blocks(T.repo .. '/README.md', '## Installation')
  eq(1, #blocks, 'one lua block in Installation')
  local out, code = load_like_lazy(blocks[1], T.repo, true)
  eq(0, code, out)
  ok(out:find('command', 1, true) and not out:find('no-command', 1, true), out)
  ok(out:find('enabled', 1, true) and not out:find('not-enabled', 1, true), out)
end)
