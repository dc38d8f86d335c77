--- errsig for Neovim: the `errsig lsp` language server on log files and
--- `:terminal` buffers, client-side commands, `:Errsig` and `:checkhealth errsig`.
---
--- Files attach through the built-in client (`vim.lsp.config('errsig', …)` +
--- `vim.lsp.enable('errsig')`); terminals through `lua/errsig/terminal.lua`,
--- since `vim.lsp.enable` never attaches to buffers with a `buftype`.
local config = require('errsig.config')

local M = {}

--- The options in force (defaults until `setup()` is called).
---@type errsig.ResolvedOptions
M.options = vim.deepcopy(config.defaults)

--- Problems found in the options given to `setup()` (shown by `:checkhealth errsig`).
---@type string[]
M.problems = {}

--- Whether `setup()` ran.
M.did_setup = false

local group = vim.api.nvim_create_augroup('errsig', { clear = true })

--- The `vim.lsp.config` table for the options.
---@param o errsig.ResolvedOptions
---@return vim.lsp.Config
function M.lsp_config(o)
  local settings = config.server_settings(o)
  local cfg = {
    cmd = o.cmd,
    filetypes = o.filetypes,
    root_markers = o.root_markers,
    init_options = {
      clientCommands = config.client_commands,
      settings = settings,
    },
    -- Answered from here when the server asks (workspace/configuration, section "errsig").
    settings = { errsig = settings },
    -- Push diagnostics: the server publishes after every change of every open
    -- document, terminals in hidden windows and re-wraps after a resize included.
    -- Neovim 0.11 would otherwise pull only for visible buffers, after an edit.
    capabilities = { textDocument = { diagnostic = vim.NIL } },
    commands = require('errsig.commands').client_commands(),
  }
  return vim.tbl_deep_extend('force', cfg, o.lsp or {})
end

--- Configure errsig: register and enable the language server for files,
--- attach to terminals, show virtual text for errsig's diagnostics.
---@param opts? errsig.Options
function M.setup(opts)
  local o, problems = config.resolve(opts)
  M.options, M.problems, M.did_setup = o, problems, true
  for _, p in ipairs(problems) do
    vim.notify('errsig: ' .. p, vim.log.levels.WARN)
  end

  if o.log_filetype then
    -- Lowest priority: only *.log files nothing else claims (upstream.log etc. keep theirs).
    vim.filetype.add({ pattern = { ['.*%.log'] = { 'log', { priority = -math.huge } } } })
  end

  -- Replace, do not merge: list options (filetypes) must not keep old entries.
  vim.lsp.config.errsig = {}
  vim.lsp.config('errsig', M.lsp_config(o))
  vim.lsp.enable('errsig')

  vim.api.nvim_clear_autocmds({ group = group })
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    desc = 'errsig: virtual text for errsig diagnostics',
    callback = function(ev)
      local client = vim.lsp.get_client_by_id(ev.data.client_id)
      if client and client.name == 'errsig' then
        M.on_attach(client, ev.buf)
      end
    end,
  })
  require('errsig.terminal').setup(o)
  require('errsig.commands').create_user_command()
  vim.g.loaded_errsig = true

  -- Without the binary nothing would attach and nothing would say why.
  local bin = config.binary(o)
  if vim.fn.executable(bin) == 0 then
    vim.notify(
      (
        'errsig: %q is not an executable: install errsig (`cargo install --locked --path server` in the repository, '
        .. 'or a release archive) and put it on $PATH, or set cmd. See :checkhealth errsig'
      ):format(bin),
      vim.log.levels.WARN
    )
  end
end

--- Call `setup()` with defaults unless it already ran.
function M.ensure_setup()
  if not M.did_setup then
    M.setup({})
  end
end

local configured_ns = {} ---@type table<integer, boolean>

--- Called for every buffer an errsig client attaches to.
---@param client vim.lsp.Client
---@param buf integer
function M.on_attach(client, buf)
  if M.options.virtual_text and not configured_ns[client.id] then
    configured_ns[client.id] = true
    -- Neovim 0.11 turns virtual text off globally; turn it on for errsig only.
    for _, pull in ipairs({ false, true }) do
      vim.diagnostic.config({ virtual_text = true, signs = true }, vim.lsp.diagnostic.get_namespace(client.id, pull))
    end
  end
  if vim.bo[buf].buftype == 'terminal' then
    local terminal = require('errsig.terminal')
    terminal.report_width(buf, true)
    vim.api.nvim_buf_call(buf, function()
      terminal.map_hover(buf)
    end)
  end
end

--- The running errsig clients.
---@param filter? vim.lsp.get_clients.Filter
---@return vim.lsp.Client[]
function M.clients(filter)
  return vim.lsp.get_clients(vim.tbl_extend('force', filter or {}, { name = 'errsig' }))
end

--- The errsig client attached to a buffer, if any.
---@param buf? integer
---@return vim.lsp.Client?
function M.client(buf)
  return M.clients({ bufnr = buf or vim.api.nvim_get_current_buf() })[1]
end

--- The errsig diagnostics of a buffer.
---@param buf? integer
---@param lnum? integer 0-based line: only diagnostics covering it
---@return vim.Diagnostic[]
function M.diagnostics(buf, lnum)
  buf = buf or vim.api.nvim_get_current_buf()
  local out = {}
  for _, client in ipairs(M.clients({ bufnr = buf })) do
    for _, pull in ipairs({ false, true }) do
      local ns = vim.lsp.diagnostic.get_namespace(client.id, pull)
      for _, d in ipairs(vim.diagnostic.get(buf, { namespace = ns })) do
        if lnum == nil or (lnum >= d.lnum and lnum <= (d.end_lnum or d.lnum)) then
          out[#out + 1] = d
        end
      end
    end
  end
  return out
end

return M
