-- The hover says what causes the finding on this machine ("On this machine: …",
-- right after the headline), and the fix for that cause is the preferred code
-- action. The server runs with a fake home and a project whose local settings
-- hold a truncated (fake) key; nothing secret may reach the editor.

local function open_machine()
  local root = T.tmpdir()
  vim.fn.mkdir(root .. '/.git', 'p')
  local home = root .. '/home'
  vim.fn.mkdir(home .. '/.claude', 'p')
  vim.fn.mkdir(root .. '/.claude', 'p')
  local f = assert(io.open(root .. '/.claude/settings.local.json', 'w'))
  f:write('{"env":{"ANTHROPIC_API_KEY":"sk-ant-api03-FAKEnvimFAKEnvim"}}')
  f:close()
  local path = root .. '/logs/claude.log'
  T.copy(T.fixture('cc-2.0-print-permission_denied.txt'), path)
  T.setup({
    cmd = {
      'env',
      'HOME=' .. home,
      'ERRSIG_DOCTOR_PLATFORM=linux',
      'ERRSIG_DOCTOR_MANAGED_SETTINGS=' .. root .. '/no-managed.json',
      T.bin,
      'lsp',
    },
  })
  vim.cmd.edit(vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  eventually(10000, function()
    return #T.diags(buf) > 0
  end, 'diagnostics')
  return buf, root
end

it('hover: "On this machine:" names the cause after the headline; its fix is the preferred action', function()
  local buf, root = open_machine()
  local r = T.request(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 0, character = 5 },
  })
  local md = r.contents.value
  ok(not md:find('FAKEnvim', 1, true), 'no secret in the hover')
  local lines = vim.split(md, '\n')
  local headline, machine
  for i, l in ipairs(lines) do
    if not headline and l:find('^Anthropic API 403') then
      headline = i
    end
    if not machine and l:find('^On this machine: ') then
      machine = i
    end
  end
  ok(headline and machine and machine > headline and machine <= headline + 5, 'right after the headline:\n' .. md)
  local flat = md:gsub('\n', ' ')
  ok(
    flat:find(
      '`claude -p` sends ANTHROPIC_API_KEY from the env block of ' .. root .. '/.claude/settings.local.json',
      1,
      true
    ),
    flat
  )
  ok(flat:find('truncated or altered, because a cut or altered key is not a key the API knows', 1, true), flat)
  -- The preferred code action is that cause's fix.
  local d = T.diags(buf)
  local actions = T.request(buf, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 1 } },
    context = { diagnostics = vim.lsp.diagnostic.from(d) },
  })
  local preferred = {}
  for _, a in ipairs(actions) do
    if a.isPreferred then
      preferred[#preferred + 1] = a
    end
  end
  eq(1, #preferred, 'one preferred action')
  ok(preferred[1].title:find('^On this machine: set ANTHROPIC_API_KEY again in the env block of'), preferred[1].title)
  eq('errsig.doctor.fix', preferred[1].command.command, 'the doctor fix')
  eq('unset-env', preferred[1].command.arguments[1].id, 'unset-env')
  -- And K shows it in the float.
  vim.api.nvim_win_set_cursor(0, { 1, 5 })
  vim.lsp.buf.hover()
  local float = eventually(5000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        return w
      end
    end
  end, 'a hover float')
  ok(T.text(vim.api.nvim_win_get_buf(float)):find('On this machine', 1, true), 'the float shows the machine cause')
end)
