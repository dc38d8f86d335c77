-- Real :terminal buffers (jobstart term=true) running real Claude Code captures.

--- Wait until the job has ended and the server has seen the whole buffer.
local function settled(buf)
  eventually(10000, function()
    return T.text(buf):find('[Process exited', 1, true)
  end, 'the job to exit')
  return eventually(5000, function()
    local s = T.stats(buf)
    return s.lines >= vim.api.nvim_buf_line_count(buf) and s
  end, 'the server to have the whole buffer')
end

-- cc-1.0: one 150-column line (hard-wrapped at every width); cc-2.1: 56 columns.
local cases = {
  { fixture = 'cc-1.0-print-permission_denied.txt', cols = 40, wrapped = true },
  { fixture = 'cc-1.0-print-permission_denied.txt', cols = 60, wrapped = true },
  { fixture = 'cc-1.0-print-permission_denied.txt', cols = 80, wrapped = true },
  { fixture = 'cc-2.1-print-permission_denied.txt', cols = 40, wrapped = true },
  { fixture = 'cc-2.1-print-permission_denied.txt', cols = 60, wrapped = false },
  { fixture = 'cc-2.1-print-permission_denied.txt', cols = 80, wrapped = false },
}

for _, c in ipairs(cases) do
  it(('%s at %d columns: one diagnostic spanning the wrapped rows'):format(c.fixture, c.cols), function()
    T.setup()
    local buf = T.term({ 'cat', T.fixture(c.fixture) }, c.cols)
    local stats = settled(buf)
    eq(c.cols, stats.columns, 'width reported to the server')
    eq('nvim-terminal', stats.kind, 'document kind')
    local first = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]
    if c.wrapped then
      eq(c.cols, vim.fn.strdisplaywidth(first), 'the terminal hard-wrapped the first row')
    end
    local d = eventually(5000, function()
      local d = T.diags(buf)
      return #d > 0 and d
    end, 'a diagnostic')
    vim.wait(200)
    d = T.diags(buf)
    eq(1, #d, 'exactly one diagnostic')
    eq('403-permission-denied', d[1].code, 'code')
    eq(0, d[1].lnum, 'starts on the first row')
    if c.wrapped then
      ok(d[1].end_lnum > d[1].lnum, ('spans the wrapped rows (end %d)'):format(d[1].end_lnum))
      -- It ends on the row where the printing ends (before "[Process exited").
      local rows = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      ok(rows[d[1].end_lnum + 1] ~= '', 'ends on a printed row')
    else
      eq(d[1].lnum, d[1].end_lnum, 'one row')
    end
    eq(vim.diagnostic.severity.ERROR, d[1].severity, 'severity')
  end)
end

for _, f in ipairs({ 'neg-ssh-publickey.txt', 'neg-py-openai-403.txt' }) do
  for _, cols in ipairs({ 40, 80 }) do
    it(('negative capture %s at %d columns: no diagnostic'):format(f, cols), function()
      T.setup()
      local buf = T.term({ 'cat', T.fixture(f) }, cols)
      local stats = settled(buf)
      ok(stats.bytesScanned > 0, 'the server scanned the text')
      eq(cols, stats.columns, 'width')
      vim.wait(300)
      eq(0, #T.diags(buf), 'no diagnostics')
      eq(0, stats.findings, 'no findings on the server')
    end)
  end
end

it('an error printed slowly in chunks is found once complete, not before', function()
  T.setup()
  local fixture = T.fixture('cc-1.0-print-permission_denied.txt')
  local script = T.tmpdir() .. '/slow.sh'
  vim.fn.writefile({
    'f="$1"',
    'head -c 30 "$f"; sleep 1',
    'head -c 100 "$f" | tail -c 70; sleep 1',
    'tail -c +101 "$f"',
    'printf "$ "',
    'exec sleep 60',
  }, script)
  local buf = T.term({ 'sh', script, fixture }, 80)
  local job = vim.b[buf].terminal_job_id
  eventually(5000, function()
    return T.text(buf):find('API Error: 403', 1, true) and T.stats(buf).bytesScanned > 0
  end, 'the first chunk on the server')
  vim.wait(200)
  eq(0, #T.diags(buf), 'nothing while only the first chunk is printed')
  eventually(5000, function()
    return T.text(buf):find('mission denied', 1, true) and T.stats(buf).bytesScanned > 60
  end, 'the second chunk on the server')
  vim.wait(200)
  eq(0, #T.diags(buf), 'nothing while the body is still open')
  local d = eventually(8000, function()
    local d = T.diags(buf)
    return #d > 0 and d
  end, 'a diagnostic once the line is complete')
  eq(-1, vim.fn.jobwait({ job }, 0)[1], 'found while the job still runs')
  eq(1, #d, 'one diagnostic')
  eq('403-permission-denied', d[1].code, 'code')
  eq(0, d[1].lnum, 'line')
  ok(d[1].end_lnum > 0, 'spans the wrapped rows')
end)

it('TermOpen attaches and gives the window a fixed signcolumn', function()
  T.setup()
  T.screen(120, 40)
  vim.cmd('vnew')
  vim.cmd('vertical resize 62')
  vim.wo.signcolumn = 'auto'
  vim.fn.jobstart({ 'cat', T.fixture('cc-1.0-print-permission_denied.txt') }, { term = true })
  local buf = vim.api.nvim_get_current_buf()
  eq('yes:1', vim.wo.signcolumn, 'signcolumn after TermOpen')
  T.client(buf)
  eventually(5000, function()
    return T.stats(buf).columns == 60
  end, 'the width of the window less the signcolumn on the server')
  eventually(5000, function()
    return #T.diags(buf) == 1
  end, 'one diagnostic')
end)

it('a resize re-wraps a running terminal and the new width reaches the server', function()
  local nv = T.child()
  nv.lua(
    [[
    local bin, fixture = ...
    vim.o.columns, vim.o.lines = 120, 40
    require('errsig').setup({ cmd = { bin, 'lsp' } })
    vim.cmd('vnew')
    vim.cmd('vertical resize 62')
    vim.wo.signcolumn = 'yes:1'
    vim.fn.jobstart({ 'sh', '-c', 'cat "$1"; exec sleep 60', 'sh', fixture }, { term = true })
  ]],
    T.bin,
    T.fixture('cc-1.0-print-permission_denied.txt')
  )
  local state = [[
    local buf = vim.api.nvim_get_current_buf()
    local client = require('errsig').client(buf)
    if not client or not client.initialized then return nil end
    local r = client:request_sync('errsig/debugStats', { uri = vim.uri_from_bufnr(buf) }, 2000, buf)
    local d = require('errsig').diagnostics(buf)
    return {
      row = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1],
      columns = r and r.result and r.result.columns,
      diags = vim.tbl_map(function(x) return { x.lnum, x.end_lnum } end, d),
    }
  ]]
  local s = eventually(8000, function()
    local s = nv.lua(state)
    return s ~= vim.NIL and s.columns == 60 and #s.diags == 1 and s
  end, 'the diagnostic at 60 columns')
  eq(60, vim.fn.strdisplaywidth(s.row), 'rows of 60')
  eq({ 0, 2 }, s.diags[1], 'spans 3 rows')
  nv.lua([[vim.cmd('vertical resize 42')]])
  s = eventually(8000, function()
    local s = nv.lua(state)
    return s.columns == 40 and vim.fn.strdisplaywidth(s.row) == 40 and #s.diags == 1 and s.diags[1][2] == 4 and s
  end, 'the re-wrapped rows and the width of 40 on the server')
  eq({ 0, 4 }, s.diags[1], 'one diagnostic spanning the 5 rows of 40')
end)

it('a terminal started from a command line with spaces and quotes is scanned too', function()
  T.setup()
  local fixture = T.fixture('cc-1.0-print-permission_denied.txt')
  local buf = T.term(('printf "%%s\\n" "$ claude -p \\"hi\\""; cat %s'):format(vim.fn.shellescape(fixture)), 60)
  local before = #vim.api.nvim_list_bufs()
  eventually(5000, function()
    return #T.diags(buf) == 1
  end, 'a diagnostic')
  eq(1, T.diags(buf)[1].lnum, 'on the row after the command line')
  ok(vim.api.nvim_buf_get_name(buf):find('term://', 1, true) == 1, 'still a term:// buffer')
  eq(before, #vim.api.nvim_list_bufs(), 'no buffer left behind by the rename')
end)

it('virtual text is on for errsig only, with signs', function()
  T.setup()
  local buf = T.term({ 'cat', T.fixture('cc-1.0-print-permission_denied.txt') }, 80)
  local client = T.client(buf)
  eventually(5000, function()
    return #T.diags(buf) == 1
  end, 'a diagnostic')
  local ns = vim.lsp.diagnostic.get_namespace(client.id, false)
  ok(vim.diagnostic.config(nil, ns).virtual_text, 'virtual text in errsig namespace')
  ok(not vim.diagnostic.config().virtual_text, 'global virtual text untouched')
  local marks = vim.api.nvim_buf_get_extmarks(buf, -1, 0, -1, { details = true })
  local vt, sign = false, false
  for _, m in ipairs(marks) do
    local det = m[4]
    if det.virt_text then
      local text = table.concat(vim.tbl_map(function(chunk)
        return chunk[1]
      end, det.virt_text))
      vt = vt or text:find('Anthropic API 403', 1, true) ~= nil
    end
    if det.sign_text then
      sign = true
    end
  end
  ok(vt, 'virtual text extmark with the message')
  ok(sign, 'a sign')
end)

it('hover on a wrapped row of the terminal is the explanation', function()
  T.setup()
  local buf = T.term({ 'cat', T.fixture('cc-1.0-print-permission_denied.txt') }, 40)
  eventually(5000, function()
    return #T.diags(buf) == 1
  end, 'a diagnostic')
  local r = T.request(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 2, character = 3 },
  })
  ok(r and r.contents.value:find('\nFix:\n', 1, true), 'hover on a wrapped row has the fix')
end)

it('K in a terminal opens the hover float, which stays until the cursor moves', function()
  local nv = T.child()
  nv.lua(
    [[
    local bin, fixture = ...
    require('errsig').setup({ cmd = { bin, 'lsp' } })
    vim.fn.jobstart({ 'sh', '-c', 'cat "$1"; exec sleep 60', 'sh', fixture }, { term = true })
  ]],
    T.bin,
    T.fixture('cc-2.1-print-permission_denied.txt')
  )
  eventually(5000, function()
    return #nv.lua([[return require('errsig').diagnostics(0)]]) == 1
  end, 'a diagnostic')
  nv.lua([[vim.api.nvim_win_set_cursor(0, { 1, 0 })]])
  vim.wait(100)
  vim.rpcrequest(nv.chan, 'nvim_input', 'K')
  local float = [[
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        return table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), '\n')
      end
    end
    return ''
  ]]
  local text = eventually(5000, function()
    local t = nv.lua(float)
    return t ~= '' and t
  end, 'the hover float')
  ok(text:find('Fix', 1, true), 'the float shows the explanation')
  vim.wait(300)
  ok(nv.lua(float) ~= '', 'the float is still open 300 ms later')
  vim.rpcrequest(nv.chan, 'nvim_input', 'j')
  eventually(5000, function()
    return nv.lua(float) == ''
  end, 'the float to close when the cursor moves')
end)

it('code action runs the fix command in a new terminal split (errsig.runInTerminal)', function()
  local bin = T.tmpdir()
  -- A stand-in for `claude`, so the test runs nothing real.
  vim.fn.writefile({ '#!/bin/sh', 'echo "fake claude was run with: $*"', 'sleep 30' }, bin .. '/claude')
  vim.fn.setfperm(bin .. '/claude', 'rwxr-xr-x')
  vim.env.PATH = bin .. ':' .. vim.env.PATH
  vim.o.shell = 'sh'
  T.setup()
  local buf = T.term({ 'cat', T.fixture('cc-1.0-print-permission_denied.txt') }, 80)
  eventually(5000, function()
    return #T.diags(buf) == 1
  end, 'a diagnostic')
  local seen = T.code_action(buf, 1, 'claude auth status')
  local run = eventually(5000, function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if b ~= buf and vim.bo[b].buftype == 'terminal' then
        return b
      end
    end
  end, 'a new terminal; actions offered: ' .. vim.inspect(seen))
  eq('claude auth status', vim.b[run].errsig_command, 'the command')
  eventually(5000, function()
    return T.text(run):find('fake claude was run with: auth status', 1, true)
  end, 'the command to run in it')
  ok(vim.tbl_contains(vim.fn.win_findbuf(run), vim.api.nvim_get_current_win()), 'shown in the current window')
  vim.env.PATH = vim.env.PATH:sub(#bin + 2)
end)

it('code action "Suppress … for the project" in a terminal writes .errsig.toml in the root', function()
  local root = T.tmpdir()
  vim.fn.mkdir(root .. '/.git', 'p')
  vim.cmd.cd(vim.fn.fnameescape(root))
  T.setup()
  local buf = T.term({ 'cat', T.fixture('cc-1.0-print-permission_denied.txt') }, 60)
  eventually(5000, function()
    return #T.diags(buf) == 1
  end, 'a diagnostic')
  T.code_action(buf, 0, 'Suppress 403-permission-denied for the project')
  local toml = eventually(5000, function()
    return T.read(root .. '/.errsig.toml')
  end, '.errsig.toml')
  ok(toml:find('rule = "403-permission-denied"', 1, true), toml)
  eventually(5000, function()
    return #T.diags(buf) == 0
  end, 'the diagnostic to go away')
end)
