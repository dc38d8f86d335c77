--- Options of `require('errsig').setup()`: defaults, validation, and the
--- `vim.lsp.config` table they turn into.
local M = {}

---@alias errsig.Severity 'error'|'warning'|'info'

---@class (exact) errsig.Options
---@field cmd? string|string[] The server command: `{ 'errsig', 'lsp' }`, or the path of the binary (`lsp` is added).
---@field filetypes? string[] Filetypes of file buffers to attach to (`vim.lsp.enable`). Plain `text` is opt-in.
---@field log_filetype? boolean Give `*.log` files that Neovim leaves without a filetype the filetype `log` (Neovim 0.11 has none for them).
---@field root_markers? string[] Files or directories that mark a project root (where `.errsig.toml` is written).
---@field terminals? boolean Attach to `:terminal` buffers (TermOpen) and let the server scan them.
---@field severity? table<string, errsig.Severity> Severity overrides by rule id, e.g. `{ ['429-rate-limit'] = 'info' }`.
---@field live_check? boolean Allow the doctor's live key check (one request with your credential). Off by default.
---@field report_dir? string Where the server writes explanations and reports (default: `$XDG_CACHE_HOME/errsig`).
---@field virtual_text? boolean Show errsig's diagnostics as virtual text (only errsig's namespace is changed).
---@field signcolumn? string|false The `signcolumn` given to terminal windows at TermOpen (fixed, so the first sign does not narrow the pty); false leaves it alone.
---@field lsp? vim.lsp.Config Extra fields merged into the `vim.lsp.config('errsig', …)` table (on_attach, capabilities, …).

---@class (exact) errsig.ResolvedOptions
---@field cmd string[]
---@field filetypes string[]
---@field log_filetype boolean
---@field root_markers string[]
---@field terminals boolean
---@field severity table<string, errsig.Severity>
---@field live_check boolean
---@field report_dir? string
---@field virtual_text boolean
---@field signcolumn string|false
---@field lsp vim.lsp.Config

---@type errsig.ResolvedOptions
M.defaults = {
  cmd = { 'errsig', 'lsp' },
  filetypes = { 'log', 'messages', 'jsonl' },
  log_filetype = true,
  root_markers = { '.errsig.toml', '.git' },
  terminals = true,
  severity = {},
  live_check = false,
  report_dir = nil,
  virtual_text = true,
  signcolumn = 'yes:1',
  lsp = {},
}

--- Client-side commands this plugin implements (ARCHITECTURE.md, command registry).
M.client_commands = { 'errsig.runInTerminal', 'errsig.openReport' }

local SEVERITIES = { error = true, warning = true, info = true }

--- Problems with user options, as messages (empty when all is well).
---@param opts table
---@return string[]
function M.problems(opts)
  local out = {}
  local known = {}
  for k in pairs(M.defaults) do
    known[k] = true
  end
  known.report_dir = true
  for k in pairs(opts) do
    if not known[k] then
      out[#out + 1] = ('unknown option %q'):format(tostring(k))
    end
  end
  local function want(key, kinds)
    local v = opts[key]
    if v == nil then
      return
    end
    for _, kind in ipairs(kinds) do
      if type(v) == kind then
        return
      end
    end
    out[#out + 1] = ('option %q should be a %s, not a %s'):format(key, table.concat(kinds, ' or '), type(v))
  end
  want('cmd', { 'string', 'table' })
  want('filetypes', { 'table' })
  want('root_markers', { 'table' })
  want('log_filetype', { 'boolean' })
  want('terminals', { 'boolean' })
  want('severity', { 'table' })
  want('live_check', { 'boolean' })
  want('report_dir', { 'string' })
  want('virtual_text', { 'boolean' })
  want('signcolumn', { 'string', 'boolean' })
  want('lsp', { 'table' })
  if type(opts.cmd) == 'table' and (#opts.cmd == 0 or type(opts.cmd[1]) ~= 'string') then
    out[#out + 1] = 'option "cmd" should be a list of strings, e.g. { "errsig", "lsp" }'
  end
  if type(opts.severity) == 'table' then
    for rule, sev in pairs(opts.severity) do
      if not SEVERITIES[sev] then
        out[#out + 1] = ('severity of %q is %q: use "error", "warning" or "info"'):format(tostring(rule), tostring(sev))
      end
    end
  end
  if opts.signcolumn == true then
    out[#out + 1] = 'option "signcolumn" should be a signcolumn value such as "yes:1", or false'
  end
  return out
end

--- Defaults filled in, `cmd` normalised to a list. Invalid values fall back to the default.
---@param opts? errsig.Options
---@return errsig.ResolvedOptions resolved
---@return string[] problems
function M.resolve(opts)
  opts = opts or {}
  local problems = M.problems(opts)
  local bad = {}
  for _, p in ipairs(problems) do
    local key = p:match('^option "([%w_]+)"')
    if key then
      bad[key] = true
    end
  end
  local r = vim.deepcopy(M.defaults)
  for k, v in pairs(opts) do
    if M.defaults[k] ~= nil or k == 'report_dir' then
      if not bad[k] then
        r[k] = vim.deepcopy(v)
      end
    end
  end
  if type(r.cmd) == 'string' then
    r.cmd = { r.cmd, 'lsp' }
  end
  if type(r.severity) == 'table' then
    for rule, sev in pairs(r.severity) do
      if not SEVERITIES[sev] then
        r.severity[rule] = nil
      end
    end
  end
  return r, problems
end

--- The server's settings (section `errsig`): camelCase, empty tables left out
--- (an empty Lua table would be encoded as a JSON array).
---@param o errsig.ResolvedOptions
---@return table
function M.server_settings(o)
  local s = { terminals = o.terminals, liveCheck = o.live_check }
  if next(o.severity) then
    s.severity = o.severity
  end
  if o.report_dir then
    s.reportDir = vim.fs.normalize(o.report_dir)
  end
  return s
end

--- The executable named by `cmd` (for `--version`, `scan`, `explain`, `doctor`).
---@param o errsig.ResolvedOptions
---@return string
function M.binary(o)
  return o.cmd[1]
end

return M
