-- errsig: user commands only; everything else loads on first use.
if vim.g.loaded_errsig then
  return
end
vim.g.loaded_errsig = true

vim.api.nvim_create_user_command('Errsig', function(opts)
  require('errsig.commands').dispatch(opts.fargs)
end, {
  nargs = '*',
  desc = 'errsig: doctor | explain [RULE_ID] | scan | report',
  complete = function(arglead, cmdline)
    return require('errsig.commands').complete(arglead, cmdline)
  end,
})
