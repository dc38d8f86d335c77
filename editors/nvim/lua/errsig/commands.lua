--- `:Errsig` subcommands and the client-side LSP commands of the command
--- registry (ARCHITECTURE.md): `errsig.runInTerminal`, `errsig.openReport`.
local M = {}

local function errsig()
  return require('errsig')
end

local function binary()
  return require('errsig.config').binary(errsig().options)
end

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify('errsig: ' .. msg, level or vim.log.levels.INFO)
end

local scratch_count = 0

--- Open text in a scratch buffer in a new split (no file, wiped when hidden).
---@param title string
---@param text string|string[]
---@param filetype? string
---@return integer buf
function M.scratch(title, text, filetype)
  local lines = type(text) == 'table' and text or vim.split(text --[[@as string]], '\n', { plain = true })
  if #lines > 1 and lines[#lines] == '' then
    table.remove(lines)
  end
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  scratch_count = scratch_count + 1
  pcall(vim.api.nvim_buf_set_name, buf, ('errsig://%d/%s'):format(scratch_count, title))
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  if filetype then
    vim.bo[buf].filetype = filetype
  end
  vim.b[buf].errsig_title = title
  vim.keymap.set('n', 'q', '<cmd>close<cr>', { buffer = buf, desc = 'Close' })
  return buf
end

--- `errsig.runInTerminal {command, title?}`: run a shell command in a terminal split.
---@param args { command: string, title?: string }
---@return integer buf
function M.run_in_terminal(args)
  vim.validate('command', args.command, 'string')
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.b[buf].errsig_title = args.title or args.command
  vim.b[buf].errsig_command = args.command
  local sc = errsig().options.signcolumn
  if sc then
    vim.wo[0][0].signcolumn = sc
  end
  vim.fn.jobstart(args.command, { term = true })
  notify(('running `%s`%s'):format(args.command, args.title and (' (' .. args.title .. ')') or ''))
  return buf
end

--- `errsig.openReport {title, markdown}`: the markdown in a scratch buffer.
---@param args { title: string, markdown: string }
---@return integer buf
function M.open_report(args)
  return M.scratch(args.title or 'errsig', args.markdown or '', 'markdown')
end

--- The handlers for the client config's `commands` field.
---@return table<string, fun(command: lsp.Command, ctx: table)>
function M.client_commands()
  return {
    ['errsig.runInTerminal'] = function(command)
      M.run_in_terminal((command.arguments or {})[1] or {})
    end,
    ['errsig.openReport'] = function(command)
      M.open_report((command.arguments or {})[1] or {})
    end,
  }
end

--- Run the errsig binary with `args`; `on_done(result)` on the main loop.
---@param args string[]
---@param opts? { stdin?: string }
---@param on_done fun(r: vim.SystemCompleted)
function M.run(args, opts, on_done)
  local cmd = { binary() }
  vim.list_extend(cmd, args)
  local ok, err = pcall(vim.system, cmd, { text = true, stdin = opts and opts.stdin }, function(r)
    vim.schedule(function()
      on_done(r)
    end)
  end)
  if not ok then
    on_done({ code = 127, signal = 0, stdout = '', stderr = tostring(err) })
  end
end

--- Is this output clap's answer to a subcommand this binary does not have?
---@param r vim.SystemCompleted
local function missing_subcommand(r)
  return r.code == 2 and (r.stderr or ''):find('unrecognized subcommand', 1, true) ~= nil
end

--- Run `errsig doctor --format FORMAT` and show its output in a scratch buffer.
---@param format string
---@param name string scratch buffer name
---@param filetype string
---@param on_done? fun(buf: integer?)
local function doctor_buffer(format, name, filetype, on_done)
  M.run({ 'doctor', '--format', format }, nil, function(r)
    local buf
    if missing_subcommand(r) or r.code == 127 then
      notify(('`%s doctor` is not available: %s'):format(binary(), vim.trim(r.stderr or '')), vim.log.levels.ERROR)
    else
      local text = r.stdout or ''
      if r.code == 2 and (r.stderr or '') ~= '' then
        text = text .. '\n' .. r.stderr
      end
      buf = M.scratch(name, text, filetype)
      vim.b[buf].errsig_exit = r.code
    end
    if on_done then
      on_done(buf)
    end
  end)
end

--- `:Errsig doctor`: run `errsig doctor` and show what it says.
---@param on_done? fun(buf: integer?)
function M.doctor(on_done)
  doctor_buffer('human', 'doctor', 'text', on_done)
end

--- `:Errsig report`: the doctor's report as markdown (no secrets), to paste into an issue.
---@param on_done? fun(buf: integer?)
function M.report(on_done)
  doctor_buffer('markdown', 'report.md', 'markdown', on_done)
end

--- `:Errsig explain [RULE_ID]`: the explanation of the finding under the
--- cursor (the server's hover), else of the rule of the errsig diagnostic
--- there, else of the rule id under the cursor or given.
---@param rule? string
---@param on_done? fun(buf: integer?)
function M.explain(rule, on_done)
  on_done = on_done or function() end
  local buf = vim.api.nvim_get_current_buf()
  local lnum = vim.api.nvim_win_get_cursor(0)[1] - 1
  local function by_rule(id)
    M.run({ 'explain', id }, nil, function(r)
      if r.code ~= 0 then
        notify(('no explanation for %q: %s'):format(id, vim.trim(r.stderr or '')), vim.log.levels.ERROR)
        return on_done(nil)
      end
      on_done(M.scratch('explain/' .. id .. '.md', r.stdout or '', 'markdown'))
    end)
  end
  if rule and rule ~= '' then
    return by_rule(rule)
  end
  local diags = errsig().diagnostics(buf, lnum)
  local client = errsig().client(buf)
  local function fallback()
    if diags[1] and diags[1].code then
      return by_rule(tostring(diags[1].code))
    end
    local word = vim.fn.expand('<cWORD>'):match('[%w][%w%-_.]*[%w]')
    if word and word:find('-', 1, true) then
      return by_rule(word)
    end
    notify('no errsig finding or rule id under the cursor', vim.log.levels.WARN)
    on_done(nil)
  end
  if not client or #diags == 0 then
    return fallback()
  end
  -- The finding's own explanation (fields as shown, lines nearby) is what
  -- the server's Explain action carries for errsig.openReport; the hover is
  -- only its short form.
  local line = math.max(lnum, diags[1].lnum)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = line, character = 0 }, ['end'] = { line = line, character = 0 } },
    -- The server finds the findings by range; the diagnostics are only echoed.
    context = { diagnostics = {} },
  }
  client:request('textDocument/codeAction', params, function(err, result)
    for _, a in ipairs((not err and result) or {}) do
      local cmd = a.command
      if type(cmd) == 'table' and cmd.command == 'errsig.openReport' and cmd.arguments and cmd.arguments[1] then
        local md = cmd.arguments[1].markdown
        if type(md) == 'string' and md ~= '' then
          return on_done(M.scratch('explain/' .. tostring(diags[1].code or 'finding') .. '.md', md, 'markdown'))
        end
      end
    end
    fallback()
  end, buf)
end

local QF_TYPE = { error = 'E', warning = 'W', info = 'I' }

--- `:Errsig scan`: scan the current buffer's text with `errsig scan --format
--- json -` and put the findings in the quickfix list.
---@param buf? integer
---@param on_done? fun(items: table[]?)
function M.scan(buf, on_done)
  buf = buf or vim.api.nvim_get_current_buf()
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local args = { 'scan', '--format', 'json', '--color', 'never' }
  if vim.bo[buf].buftype == 'terminal' then
    local cols = require('errsig.terminal').columns(buf)
    if cols then
      vim.list_extend(args, { '--columns', tostring(cols) })
    end
  end
  table.insert(args, '-')
  M.run(args, { stdin = table.concat(lines, '\n') .. '\n' }, function(r)
    if r.code ~= 0 and r.code ~= 1 then
      notify(('scan failed (exit %d): %s'):format(r.code, vim.trim(r.stderr or '')), vim.log.levels.ERROR)
      return on_done and on_done(nil)
    end
    local items = {}
    for _, l in ipairs(vim.split(r.stdout or '', '\n', { trimempty = true })) do
      local ok, f = pcall(vim.json.decode, l)
      if ok and type(f) == 'table' then
        local msg = f.title or f.rule
        if type(f.message) == 'string' and f.message ~= '' then
          msg = ('%s: %s'):format(msg, f.message)
        end
        items[#items + 1] = {
          bufnr = buf,
          lnum = f.line,
          col = f.column or 1,
          end_lnum = f.end_line,
          type = QF_TYPE[f.severity] or 'E',
          text = ('[%s] %s'):format(f.rule, msg),
          user_data = f,
        }
      end
    end
    vim.fn.setqflist({}, ' ', { title = 'errsig scan', items = items })
    if #items > 0 then
      vim.cmd('botright copen')
    else
      notify('no API errors found')
    end
    if on_done then
      on_done(items)
    end
  end)
end

--- The subcommands of `:Errsig`.
---@type table<string, fun(args: string[])>
M.subcommands = {
  doctor = function()
    M.doctor()
  end,
  report = function()
    M.report()
  end,
  explain = function(args)
    M.explain(args[1])
  end,
  scan = function()
    M.scan()
  end,
}

--- `:Errsig {subcommand} [args]`.
---@param fargs string[]
function M.dispatch(fargs)
  local name = fargs[1] or 'doctor'
  local sub = M.subcommands[name]
  if not sub then
    notify(('unknown subcommand %q (doctor, explain, scan, report)'):format(name), vim.log.levels.ERROR)
    return
  end
  sub(vim.list_slice(fargs, 2))
end

--- Completion for `:Errsig`.
---@param arglead string
---@param cmdline string
---@return string[]
function M.complete(arglead, cmdline)
  local words = vim.split(cmdline, '%s+', { trimempty = true })
  if #words <= 1 or (#words == 2 and arglead ~= '') then
    return vim.tbl_filter(function(s)
      return vim.startswith(s, arglead)
    end, vim.tbl_keys(M.subcommands))
  end
  return {}
end

--- Define `:Errsig`. Called by plugin/errsig.lua and by setup(): a plugin
--- manager that only adds editors/nvim to 'runtimepath' after startup (a
--- lazy.nvim spec for the repository) never sources plugin/errsig.lua.
function M.create_user_command()
  vim.api.nvim_create_user_command('Errsig', function(opts)
    M.dispatch(opts.fargs)
  end, {
    nargs = '*',
    force = true,
    desc = 'errsig: doctor | explain [RULE_ID] | scan | report',
    complete = function(arglead, cmdline)
      return M.complete(arglead, cmdline)
    end,
  })
end

return M
