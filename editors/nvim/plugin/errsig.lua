-- errsig: user commands only; everything else loads on first use.
if vim.g.loaded_errsig then
  return
end
vim.g.loaded_errsig = true

require('errsig.commands').create_user_command()
