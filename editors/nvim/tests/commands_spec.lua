-- :Errsig subcommands and :checkhealth errsig.

local function has_doctor()
  local r = vim.system({ T.bin, 'doctor', '--help' }, { text = true }):wait(5000)
  return r.code == 0
end

local function log_buffer()
  local root = T.tmpdir()
  local path = root .. '/claude.log'
  T.copy(T.fixture('cc-2.0-print-permission_denied.txt'), path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_buf()
end

it(':Errsig scan puts the findings of the buffer in the quickfix list', function()
  T.setup()
  local buf = log_buffer()
  vim.cmd('Errsig scan')
  local qf = eventually(5000, function()
    local l = vim.fn.getqflist()
    return #l > 0 and l
  end, 'a quickfix list')
  eq(1, #qf, 'one item')
  eq(buf, qf[1].bufnr, 'in this buffer')
  eq(1, qf[1].lnum, 'line')
  eq('E', qf[1].type, 'type')
  ok(qf[1].text:find('[403-permission-denied]', 1, true), qf[1].text)
  eq('errsig scan', vim.fn.getqflist({ title = 1 }).title, 'title')
end)

it(':Errsig scan on a terminal buffer uses its width', function()
  T.setup()
  local buf = T.term({ 'cat', T.fixture('cc-1.0-print-permission_denied.txt') }, 40)
  eventually(5000, function()
    return T.text(buf):find('[Process exited', 1, true)
  end, 'the job to end')
  vim.api.nvim_set_current_buf(buf)
  vim.cmd('Errsig scan')
  local qf = eventually(5000, function()
    local l = vim.fn.getqflist()
    return #l > 0 and l
  end, 'a quickfix list')
  eq(1, #qf, 'one item for the wrapped error')
  eq(1, qf[1].lnum, 'line')
  ok(qf[1].end_lnum > 1, 'spans the wrapped rows')
end)

it(':Errsig explain on a finding opens its explanation', function()
  T.setup()
  local buf = log_buffer()
  eventually(10000, function()
    return #T.diags(buf) == 1
  end, 'a diagnostic')
  vim.cmd('Errsig explain')
  local scratch = eventually(5000, function()
    local b = vim.api.nvim_get_current_buf()
    return b ~= buf and vim.bo[b].filetype == 'markdown' and b
  end, 'a markdown scratch buffer')
  ok(T.text(scratch):find('## Fix', 1, true), 'the explanation')
  ok(T.text(scratch):find('req_011CeMushhPjq9YzHkFdZqo7', 1, true), 'of this finding (its request id)')
end)

it(':Errsig explain RULE_ID and on a rule id under the cursor', function()
  T.setup()
  vim.cmd('Errsig explain 429-rate-limit')
  local scratch = eventually(5000, function()
    local b = vim.api.nvim_get_current_buf()
    return vim.bo[b].filetype == 'markdown' and b
  end, 'a markdown scratch buffer')
  ok(T.text(scratch):find('429', 1, true), 'the rule')
  T.reset()
  T.setup()
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'see rule 403-permission-denied here' })
  vim.api.nvim_win_set_cursor(0, { 1, 12 })
  local here = vim.api.nvim_get_current_buf()
  vim.cmd('Errsig explain')
  scratch = eventually(5000, function()
    local b = vim.api.nvim_get_current_buf()
    return b ~= here and vim.bo[b].filetype == 'markdown' and b
  end, 'a markdown scratch buffer')
  ok(T.text(scratch):find('permission_error', 1, true), 'the rule under the cursor')
end)

it(':Errsig doctor shows the doctor in a scratch buffer', function()
  T.setup()
  if not has_doctor() then
    io.stdout:write('SKIP :Errsig doctor: this errsig has no doctor subcommand (errsig doctor --help failed)\n')
    return
  end
  local want = vim.system({ T.bin, 'doctor', '--format', 'human' }, { text = true }):wait(30000)
  vim.cmd('Errsig doctor')
  local b = eventually(30000, function()
    local b = vim.api.nvim_get_current_buf()
    return vim.b[b].errsig_title == 'doctor' and b
  end, 'the doctor buffer')
  local first = vim.split(vim.trim(want.stdout), '\n')[1]
  ok(T.text(b):find(first, 1, true), 'shows the doctor output: ' .. first)
end)

it(':Errsig report shows the doctor report as markdown', function()
  T.setup()
  if not has_doctor() then
    io.stdout:write('SKIP :Errsig report: this errsig has no doctor subcommand (errsig doctor --help failed)\n')
    return
  end
  local want = vim.system({ T.bin, 'doctor', '--format', 'markdown' }, { text = true }):wait(30000)
  vim.cmd('Errsig report')
  local b = eventually(30000, function()
    local b = vim.api.nvim_get_current_buf()
    return vim.b[b].errsig_title == 'report.md' and b
  end, 'the report buffer')
  eq('markdown', vim.bo[b].filetype, 'filetype')
  local first = vim.split(vim.trim(want.stdout), '\n')[1]
  ok(T.text(b):find(first, 1, true), 'shows the report: ' .. first)
end)

it(':Errsig with an unknown subcommand says so; completion lists the subcommands', function()
  vim.cmd('Errsig frobnicate')
  ok(_G.NOTIFIED[1] and _G.NOTIFIED[1].msg:find('unknown subcommand', 1, true), 'an error message')
  eq({ 'doctor', 'explain', 'report', 'scan' }, vim.fn.sort(vim.fn.getcompletion('Errsig ', 'cmdline')), 'completion')
end)

--- The text of :checkhealth errsig.
local function health()
  vim.cmd('silent checkhealth errsig')
  local b = eventually(10000, function()
    local b = vim.api.nvim_get_current_buf()
    return vim.bo[b].filetype == 'checkhealth' and T.text(b):find('errsig: attached buffers', 1, true) and b
  end, 'the health buffer')
  return T.text(b)
end

it(':checkhealth errsig passes with the server present', function()
  T.setup()
  local buf = log_buffer()
  eventually(10000, function()
    return #T.diags(buf) == 1
  end, 'a diagnostic')
  local text = health()
  ok(text:find('OK errsig 0%.%d+%.%d+'), 'OK line with the version:\n' .. text)
  ok(text:find('OK Neovim 0%.1%d'), 'OK Neovim version')
  ok(text:find('OK options are valid', 1, true), 'options valid')
  ok(text:find('claude.log', 1, true), 'lists the attached buffer')
  ok(not text:find('ERROR', 1, true), 'no ERROR:\n' .. text)
end)

it(':checkhealth errsig reports a missing binary as an ERROR', function()
  require('errsig').setup({ cmd = { '/nonexistent/errsig', 'lsp' } })
  local text = health()
  ok(
    text:find('ERROR server binary not found: "/nonexistent/errsig"', 1, true),
    'an ERROR naming the binary:\n' .. text
  )
end)

it(':checkhealth errsig reports bad options', function()
  require('errsig').setup({ cmd = { T.bin, 'lsp' }, severity = { ['429-rate-limit'] = 'loud' }, colour = true })
  local text = health()
  ok(text:find('ERROR option problem: unknown option "colour"', 1, true), 'unknown option:\n' .. text)
  ok(text:find('severity of "429-rate-limit" is "loud"', 1, true), 'bad severity')
end)
