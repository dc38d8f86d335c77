--- `:checkhealth errsig`.
local M = {}

---@param cmd string[]
---@return vim.SystemCompleted?
local function try(cmd)
  local ok, obj = pcall(vim.system, cmd, { text = true })
  if not ok then
    return nil
  end
  local r = obj:wait(5000)
  return r
end

function M.check()
  local health = vim.health
  local errsig = require('errsig')
  local config = require('errsig.config')
  local o = errsig.options

  health.start('errsig: Neovim')
  local v = vim.version()
  local vs = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. vs)
  else
    health.warn(
      'Neovim ' .. vs .. ': errsig needs 0.11 or newer (vim.lsp.config, vim.lsp.enable, jobstart term=true)',
      { 'Upgrade Neovim to 0.11 or newer' }
    )
  end

  health.start('errsig: server')
  local bin = config.binary(o)
  local path = vim.fn.exepath(bin)
  if path == '' then
    health.error(('server binary not found: %q is not an executable (cmd = %s)'):format(bin, vim.inspect(o.cmd)), {
      'Install errsig and put it on $PATH: `cargo install --locked --path server` in the errsig repository, or a release archive (see its README, Installation)',
      "or give its path: require('errsig').setup({ cmd = { '/path/to/errsig', 'lsp' } })",
    })
  else
    local r = try({ path, '--version' })
    local out = r and vim.trim(r.stdout or '') or ''
    if r and r.code == 0 and out:match('^errsig ') then
      health.ok(('%s (%s)'):format(out, path))
    else
      health.error(
        ('%s --version failed (exit %s): %s'):format(path, r and r.code or '?', vim.trim((r and r.stderr) or out)),
        { 'Check that cmd points at the errsig binary' }
      )
    end
    local d = try({ path, 'doctor', '--help' })
    if d and d.code == 0 then
      health.ok('`errsig doctor` is available (:Errsig doctor, :Errsig report)')
    else
      health.info('this errsig has no `doctor` subcommand: :Errsig doctor and :Errsig report need a newer errsig')
    end
  end

  health.start('errsig: configuration')
  if not errsig.did_setup then
    health.warn("require('errsig').setup() was not called: no server for files or terminals", {
      "Call require('errsig').setup({}) in your config (lazy.nvim: opts = {})",
    })
  else
    health.ok('setup() called')
  end
  if #errsig.problems == 0 then
    health.ok('options are valid')
  else
    for _, p in ipairs(errsig.problems) do
      health.error('option problem: ' .. p)
    end
  end
  health.info(('cmd = %s'):format(table.concat(o.cmd, ' ')))
  health.info(('filetypes = %s'):format(table.concat(o.filetypes, ', ')))
  health.info(
    ('terminals = %s, live_check = %s, virtual_text = %s'):format(
      tostring(o.terminals),
      tostring(o.live_check),
      tostring(o.virtual_text)
    )
  )
  if next(o.severity) then
    health.info('severity overrides: ' .. vim.inspect(o.severity, { newline = ' ', indent = '' }))
  end
  if errsig.did_setup and not vim.lsp.is_enabled('errsig') then
    health.warn("the 'errsig' LSP config is not enabled for files", { "vim.lsp.enable('errsig')" })
  end

  health.start('errsig: attached buffers')
  local clients = errsig.clients()
  if #clients == 0 then
    health.info('no errsig client is running (it starts with the first log file or terminal)')
  end
  for _, client in ipairs(clients) do
    local root = client.root_dir or '(no root)'
    health.ok(('client %d (root %s), %s'):format(client.id, root, client.initialized and 'running' or 'starting'))
    for buf in pairs(client.attached_buffers) do
      if vim.api.nvim_buf_is_valid(buf) then
        local term = vim.bo[buf].buftype == 'terminal'
        local extra = ''
        if term then
          local cols = require('errsig.terminal').reported[buf]
          extra = cols and (' (terminal, %d columns)'):format(cols) or ' (terminal, width not reported yet)'
        end
        local n = #errsig.diagnostics(buf)
        health.info(('buffer %d %s%s: %d finding(s)'):format(buf, vim.api.nvim_buf_get_name(buf), extra, n))
      end
    end
  end
end

return M
