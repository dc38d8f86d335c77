-- A log file opened from a real capture: diagnostics, hover, a code action.

local function open_log()
  local root = T.tmpdir()
  vim.fn.mkdir(root .. '/.git', 'p')
  local path = root .. '/logs/claude.log'
  T.copy(T.fixture('cc-2.0-print-permission_denied.txt'), path)
  T.setup()
  vim.cmd.edit(vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  return buf, root, path
end

it('attaches to a *.log file (filetype log) and puts the diagnostic on line 0', function()
  local buf = open_log()
  eq('log', vim.bo[buf].filetype, 'filetype')
  local client = T.client(buf)
  eq(T.repo ~= nil, true)
  local d = eventually(10000, function()
    local d = T.diags(buf)
    return #d > 0 and d
  end, 'diagnostics')
  eq(1, #d, 'one diagnostic')
  eq(0, d[1].lnum, 'line')
  eq(0, d[1].end_lnum, 'end line')
  eq('403-permission-denied', d[1].code, 'code')
  eq('errsig', d[1].source, 'source')
  eq(vim.diagnostic.severity.ERROR, d[1].severity, 'severity')
  ok(d[1].message:find('403', 1, true), 'message names the status: ' .. d[1].message)
  ok(
    client.root_dir and client.root_dir:find(vim.fs.dirname(vim.fs.dirname(vim.api.nvim_buf_get_name(buf))), 1, true),
    'root is the .git dir'
  )
end)

it('hover on the finding: headline, causes and fix steps (Fix:)', function()
  local buf = open_log()
  eventually(10000, function()
    return #T.diags(buf) > 0
  end, 'diagnostics')
  local res = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 0, character = 5 },
  }, 5000)
  local md
  for _, r in pairs(res or {}) do
    if r.result then
      md = r.result.contents.value
    end
  end
  ok(type(md) == 'string', 'a hover')
  ok(md:find('\nFix:\n', 1, true), 'hover has the fix steps')
  ok(not md:find('\n#', 1, true) and not md:find('\n|', 1, true), 'hover has no headings or table rows')
  ok(md:find('req_011CeMushhPjq9YzHkFdZqo7', 1, true), 'hover shows the request id')
  -- And K (vim.lsp.buf.hover) opens the float with it.
  vim.api.nvim_win_set_cursor(0, { 1, 5 })
  vim.lsp.buf.hover()
  local float = eventually(5000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        return w
      end
    end
  end, 'a hover float')
  ok(T.text(vim.api.nvim_win_get_buf(float)):find('Fix', 1, true), 'the float shows the fix')
end)

it('code action "Suppress … in this file" writes .errsig.toml and the diagnostic goes away', function()
  local buf, root = open_log()
  eventually(10000, function()
    return #T.diags(buf) > 0
  end, 'diagnostics')
  local seen = T.code_action(buf, 0, 'Suppress 403-permission-denied in this file')
  local toml = eventually(5000, function()
    return T.read(root .. '/.errsig.toml')
  end, '.errsig.toml in the project root; actions seen: ' .. vim.inspect(seen))
  ok(toml:find('rule = "403-permission-denied"', 1, true), 'rule written: ' .. toml)
  ok(toml:find('path = "logs/claude.log"', 1, true), 'path written: ' .. toml)
  eventually(5000, function()
    return #T.diags(buf) == 0
  end, 'the diagnostic to disappear')
end)

it('code action "Explain" opens the markdown in a scratch buffer (errsig.openReport)', function()
  local buf = open_log()
  eventually(10000, function()
    return #T.diags(buf) > 0
  end, 'diagnostics')
  T.code_action(buf, 0, 'Explain 403-permission-denied')
  local scratch = eventually(5000, function()
    local b = vim.api.nvim_get_current_buf()
    return b ~= buf and vim.bo[b].filetype == 'markdown' and b
  end, 'a markdown scratch buffer')
  eq('nofile', vim.bo[scratch].buftype, 'buftype')
  ok(T.text(scratch):find('## Fix', 1, true), 'the explanation')
  ok(T.text(scratch):find('req_011CeMushhPjq9YzHkFdZqo7', 1, true), 'of this finding')
end)

it("the plugin's client commands are the ones the server knows; the doctor's commands are advertised", function()
  local buf = open_log()
  local client = T.client(buf)
  local caps = eventually(10000, function()
    return client.server_capabilities and client.server_capabilities.experimental and client.server_capabilities
  end, 'server capabilities')
  local ext = caps.experimental.errsig
  local advertised = caps.executeCommandProvider.commands
  for _, id in ipairs(require('errsig.config').client_commands) do
    ok(vim.tbl_contains(ext.clientCommands, id), id .. ' is a client command the server knows')
    ok(not vim.tbl_contains(advertised, id), id .. ' is not also a server command')
  end
  for _, id in ipairs({ 'errsig.doctor', 'errsig.doctor.fix', 'errsig.doctor.probe', 'errsig.suppress' }) do
    ok(vim.tbl_contains(advertised, id), id .. ' is advertised')
  end
  eq(ext.commands, advertised, 'the registry is what executeCommandProvider lists')
end)

it('code action "Run errsig doctor" runs on the server and shows its report', function()
  local buf = open_log()
  eventually(10000, function()
    return #T.diags(buf) > 0
  end, 'diagnostics')
  local seen = T.code_action(buf, 0, 'Run errsig doctor')
  eventually(5000, function()
    return vim.iter(seen):any(function(t)
      return t:find('Run errsig doctor', 1, true) ~= nil
    end)
  end, 'the doctor action offered')
  local report = eventually(20000, function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(b):find('%-doctor%.md$') then
        return b
      end
    end
  end, "the doctor's report in a buffer (window/showDocument)")
  vim.fn.bufload(report)
  local text = T.text(report)
  ok(text:find('errsig doctor', 1, true), 'the report: ' .. text:sub(1, 200))
  ok(not text:find('sk%-ant%-api03%-[%w_-]+[^%]]'), 'no key in the report')
end)
