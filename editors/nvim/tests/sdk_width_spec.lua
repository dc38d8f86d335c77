-- A Python SDK exception (one line of 180 to 290 characters, real captures)
-- printed in a 50-column `:terminal` opened the way a user opens one: the
-- window's 'signcolumn' is the default ('auto'), so the pty starts 50 wide
-- and the plugin's fixed signcolumn narrows the text to 48 right after the
-- job started. The rows printed meanwhile must be re-wrapped by Neovim at the
-- width the server is told, and the exception must give its diagnostic
-- (issue 10, point 8). A child Neovim, because only a running main loop
-- resizes and re-wraps terminals.

-- What the child shows: the width the server has, the pty's own width, the
-- widest row and the diagnostics.
local state = [[
  local buf = ...
  local client = require('errsig').client(buf)
  if not client or not client.initialized then return vim.NIL end
  local r = client:request_sync('errsig/debugStats', { uri = vim.uri_from_bufnr(buf) }, 2000, buf)
  local widest = 0
  for _, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    widest = math.max(widest, vim.fn.strdisplaywidth(l))
  end
  return {
    columns = r and r.result and r.result.columns,
    lines = r and r.result and r.result.lines,
    count = vim.api.nvim_buf_line_count(buf),
    pty = require('errsig.terminal').columns(buf),
    widest = widest,
    diags = vim.tbl_map(function(d) return { d.lnum, d.end_lnum, d.code } end, require('errsig').diagnostics(buf)),
  }
]]

--- Open `fixture` with `cat` in a terminal of `cols` columns of a child Neovim.
--- `layout`: 'split' (a vertical split resized to the width) or 'screen'
--- (the only window, the screen itself that wide: its width cannot change).
local function open(fixture, cols, layout)
  local nv = T.child()
  local buf = nv.lua(
    [[
    local bin, fixture, cols, layout = ...
    require('errsig').setup({ cmd = { bin, 'lsp' } })
    if layout == 'split' then
      vim.o.columns, vim.o.lines = 120, 40
      vim.cmd('vnew')
      vim.cmd('vertical resize ' .. cols)
    else
      vim.o.columns, vim.o.lines = cols, 40
    end
    vim.cmd('terminal sh -c "cat ' .. fixture .. '; exec sleep 60"')
    return vim.api.nvim_get_current_buf()
  ]],
    T.bin,
    T.fixture(fixture),
    cols,
    layout
  )
  return nv, buf
end

local cases = {
  -- 288 characters; the status and body follow the exception's name.
  { fixture = 'py-sdk-uncaught-permission_details.txt', rule = '403-generic' },
  { fixture = 'py-sdk-uncaught-permission_denied.txt', rule = '403-permission-denied' },
  { fixture = 'py-sdk-uncaught-rate_limit.txt', rule = '429-rate-limit' },
}

for _, layout in ipairs({ 'split', 'screen' }) do
  for _, c in ipairs(cases) do
    it(
      ('%s in a 50-column terminal (%s): one diagnostic, at the width the rows have'):format(c.fixture, layout),
      function()
        local nv, buf = open(c.fixture, 50, layout)
        local s = eventually(10000, function()
          local s = nv.lua(state, buf)
          return s ~= vim.NIL and s.columns == 48 and s.lines >= s.count and #s.diags > 0 and s
        end, 'a diagnostic with the server at 48 columns')
        vim.wait(300)
        s = nv.lua(state, buf)
        eq(48, s.pty, 'the width the plugin computes (window less its sign column)')
        eq(48, s.widest, 'Neovim re-wrapped the rows at that width')
        eq(1, #s.diags, 'exactly one diagnostic: ' .. vim.inspect(s.diags))
        eq(c.rule, s.diags[1][3], 'rule')
        ok(s.diags[1][2] > s.diags[1][1], 'spans the wrapped rows')
      end
    )
  end
end
