-- Minimal init for the README screenshot (scripts/screenshot.sh): the plugin,
-- a terminal showing a real Claude Code 403, the cursor on it (the script presses K).
local plugin = vim.env.ERRSIG_PLUGIN_DIR
vim.opt.runtimepath:prepend(plugin)
vim.o.termguicolors = true
vim.o.swapfile = false
vim.o.laststatus = 2
vim.o.shortmess = vim.o.shortmess .. 'I'
vim.cmd('filetype on')
vim.cmd.runtime('plugin/errsig.lua')
require('errsig').setup({ cmd = { vim.env.ERRSIG_BIN, 'lsp' } })

vim.schedule(function()
  vim.cmd('terminal ' .. vim.env.ERRSIG_SHOT_CMD)
  local buf = vim.api.nvim_get_current_buf()
  local function try(n)
    local d = require('errsig').diagnostics(buf)
    if #d == 0 and n > 0 then
      return vim.defer_fn(function()
        try(n - 1)
      end, 200)
    end
    if d[1] then
      -- screenshot.sh then presses K, as a user would.
      vim.api.nvim_win_set_cursor(0, { d[1].lnum + 1, 0 })
    end
  end
  vim.defer_fn(function()
    try(25)
  end, 500)
end)
