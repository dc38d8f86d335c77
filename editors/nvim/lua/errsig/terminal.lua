--- `:terminal` buffers: attach the errsig client (vim.lsp.enable skips any
--- buffer with a 'buftype'), keep the pty width fixed by a fixed signcolumn,
--- and tell the server the width it must re-join hard-wrapped rows at
--- (`errsig/terminalWidth`), again whenever it changes.
local M = {}

local group = vim.api.nvim_create_augroup('errsig.terminal', { clear = true })

--- The width last reported per terminal buffer.
---@type table<integer, integer>
M.reported = {}

---@param buf integer
---@return boolean
local function is_terminal(buf)
  return vim.api.nvim_buf_is_valid(buf) and vim.bo[buf].buftype == 'terminal'
end

--- The width of a terminal's pty: the widest window showing it, less its
--- sign, number and fold columns (what Neovim resizes the pty to). nil when
--- no window shows it.
---@param buf integer
---@return integer?
function M.columns(buf)
  local best ---@type integer?
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    local info = vim.fn.getwininfo(win)[1]
    if info then
      local w = info.width - info.textoff
      if w > 0 and (best == nil or w > best) then
        best = w
      end
    end
  end
  return best
end

--- Send `errsig/terminalWidth` for a terminal buffer, when it changed (or `force`).
---@param buf integer
---@param force? boolean
function M.report_width(buf, force)
  if not is_terminal(buf) then
    return
  end
  local cols = M.columns(buf)
  if not cols or (not force and M.reported[buf] == cols) then
    return
  end
  local clients = require('errsig').clients({ bufnr = buf })
  if #clients == 0 then
    return
  end
  M.reported[buf] = cols
  local params = { uri = vim.uri_from_bufnr(buf), columns = cols }
  for _, client in ipairs(clients) do
    client:notify('errsig/terminalWidth', params)
  end
end

--- Report every attached terminal whose width changed.
function M.report_all()
  for buf in pairs(M.reported) do
    if is_terminal(buf) then
      M.report_width(buf)
    else
      M.reported[buf] = nil
    end
  end
end

--- Make Neovim resize a terminal's pty to its windows now. Neovim resizes a
--- terminal only when a window showing it changes size, shows another
--- buffer or enters Terminal mode — not when 'signcolumn', 'number' or
--- 'foldcolumn' change. Until then the pty keeps its old width, the job's
--- output is wrapped at that width, and the width `M.columns` computes (the
--- one the server is told) is not the one the rows have: a 50-column
--- terminal whose signcolumn was fixed at TermOpen kept wrapping at 50 while
--- the server re-joined at 48, and a long SDK exception got no diagnostic.
--- A width change of one column and back (or, for a window as wide as the
--- screen, showing a scratch buffer and the terminal again, autocommands
--- off) makes Neovim resize and re-wrap it at once.
---@param buf integer
function M.apply_width(buf)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    local w = vim.api.nvim_win_get_width(win)
    local done = false
    for _, d in ipairs({ -1, 1 }) do
      pcall(vim.api.nvim_win_set_width, win, w + d)
      if vim.api.nvim_win_get_width(win) ~= w then
        pcall(vim.api.nvim_win_set_width, win, w)
        done = true
        break
      end
    end
    if not done then
      local scratch = vim.api.nvim_create_buf(false, true)
      local ei = vim.o.eventignore
      vim.o.eventignore = 'all'
      pcall(vim.api.nvim_win_set_buf, win, scratch)
      pcall(vim.api.nvim_win_set_buf, win, buf)
      vim.o.eventignore = ei
      pcall(vim.api.nvim_buf_delete, scratch, { force = true })
    end
  end
end

--- Give the windows showing a terminal the fixed signcolumn, and make the
--- pty follow at once (`M.apply_width`).
---@param buf integer
function M.fix_signcolumn(buf)
  local sc = require('errsig').options.signcolumn
  if not sc then
    return
  end
  local changed = false
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if vim.wo[win].signcolumn ~= sc then
      vim.wo[win][0].signcolumn = sc
      changed = true
    end
  end
  if changed then
    M.apply_width(buf)
  end
end

--- Neovim uses a terminal's buffer name as its URI as it is
--- (`term://{cwd}//{pid}:{command}`), spaces and quotes of the command
--- included; the server refuses such a URI (not RFC 3986), so the document
--- would never open. Percent-encode what a URI cannot hold, in the name.
---@param buf integer
function M.fix_name(buf)
  local name = vim.api.nvim_buf_get_name(buf)
  local safe = name:gsub("[^%w%-%._~:/%?#%[%]@!%$&'%(%)%*%+,;=]", function(c)
    return ('%%%02X'):format(c:byte())
  end)
  if safe == name or not pcall(vim.api.nvim_buf_set_name, buf, safe) then
    return
  end
  -- Renaming leaves an unlisted, unloaded buffer with the old name behind.
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if b ~= buf and vim.api.nvim_buf_get_name(b) == name and not vim.api.nvim_buf_is_loaded(b) then
      pcall(vim.api.nvim_buf_delete, b, { force = true })
    end
  end
end

--- Attach the errsig client to a terminal buffer. Returns the client id.
---@param buf? integer
---@return integer?
function M.attach(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  if not is_terminal(buf) then
    return nil
  end
  local errsig = require('errsig')
  M.fix_signcolumn(buf)
  M.fix_name(buf)
  local cfg = vim.deepcopy(vim.lsp.config.errsig or errsig.lsp_config(errsig.options))
  cfg.name = 'errsig'
  local cwd = vim.fn.getcwd()
  cfg.root_dir = vim.fs.root(cwd, errsig.options.root_markers) or cwd
  cfg.workspace_folders = nil
  return vim.lsp.start(cfg, { bufnr = buf })
end

--- Hover (`K`) in a terminal buffer. Neovim 0.11 fires CursorMoved in a
--- terminal buffer right after the hover float opens, and the float's default
--- close_events close it at once; here the float closes only when the cursor
--- really leaves the position K was pressed at.
function M.hover()
  local buf = vim.api.nvim_get_current_buf()
  local win = vim.api.nvim_get_current_win()
  local at = vim.api.nvim_win_get_cursor(win)
  vim.lsp.buf.hover({ close_events = { 'CursorMovedI', 'InsertCharPre', 'TermEnter', 'BufLeave' } })
  vim.api.nvim_create_autocmd('CursorMoved', {
    buffer = buf,
    desc = 'errsig: close the hover when the cursor moves',
    callback = function()
      if not vim.api.nvim_win_is_valid(win) then
        return true
      end
      local now = vim.api.nvim_win_get_cursor(win)
      if now[1] == at[1] and now[2] == at[2] then
        return
      end
      local float = vim.b[buf].lsp_floating_preview
      if float and vim.api.nvim_win_is_valid(float) then
        pcall(vim.api.nvim_win_close, float, true)
      end
      return true
    end,
  })
end

--- Map K to `M.hover` in a terminal buffer, unless the user mapped K there.
---@param buf integer
function M.map_hover(buf)
  local m = vim.fn.maparg('K', 'n', false, true)
  if m.buffer == 1 and m.desc ~= 'vim.lsp.buf.hover()' then
    return
  end
  vim.keymap.set('n', 'K', M.hover, { buffer = buf, desc = 'errsig: hover (terminal)' })
end

--- Install the autocommands (called by `setup()`), and attach to terminals already open.
---@param o errsig.ResolvedOptions
function M.setup(o)
  vim.api.nvim_clear_autocmds({ group = group })
  if not o.terminals then
    return
  end
  vim.api.nvim_create_autocmd('TermOpen', {
    group = group,
    desc = 'errsig: attach the language server to the terminal',
    callback = function(ev)
      M.attach(ev.buf)
    end,
  })
  local pending = false
  local function later()
    if pending then
      return
    end
    pending = true
    vim.schedule(function()
      pending = false
      M.report_all()
    end)
  end
  vim.api.nvim_create_autocmd({ 'WinResized', 'VimResized', 'WinClosed', 'WinNew' }, {
    group = group,
    desc = 'errsig: report terminal widths',
    callback = later,
  })
  vim.api.nvim_create_autocmd('BufWinEnter', {
    group = group,
    desc = 'errsig: fixed signcolumn and width for terminals shown in a new window',
    callback = function(ev)
      if M.reported[ev.buf] then
        M.fix_signcolumn(ev.buf)
        later()
      end
    end,
  })
  vim.api.nvim_create_autocmd('OptionSet', {
    group = group,
    pattern = { 'signcolumn', 'number', 'relativenumber', 'foldcolumn', 'numberwidth' },
    desc = 'errsig: resize terminals to their new text width and report it',
    callback = function()
      -- Neovim does not resize a terminal for these options by itself.
      local buf = vim.api.nvim_get_current_buf()
      if M.reported[buf] and is_terminal(buf) then
        M.apply_width(buf)
      end
      later()
    end,
  })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    callback = function(ev)
      M.reported[ev.buf] = nil
    end,
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if is_terminal(buf) and #require('errsig').clients({ bufnr = buf }) == 0 then
      M.attach(buf)
    end
  end
end

return M
