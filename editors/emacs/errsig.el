;;; errsig.el --- errsig's language server for log files, with eglot  -*- lexical-binding: t -*-

;; Requires: Emacs 28+, eglot 1.9+ (built into Emacs 29; `elpa-eglot' on Debian 12)

;;; Commentary:

;; errsig (`errsig lsp', the server built from this repository) puts a diagnostic on every
;; Anthropic API error in a log file or terminal transcript, a hover with its
;; explanation, and code actions (explain, write a report, suppress on the line,
;; in the file or for the project, run the doctor).  This file is the whole
;; Emacs setup; it is what you would otherwise write in your init.el:
;;
;;   (load "/path/to/errsig/editors/emacs/errsig.el")
;;   (add-hook 'errsig-log-mode-hook #'eglot-ensure)   ; start errsig on every log
;;
;; or, without the hook, `M-x eglot' in a log buffer.  It does three things:
;;
;; 1. `errsig-log-mode', a major mode for logs (Emacs 28 has none), derived
;;    from `text-mode', for files ending in .log or .transcript;
;; 2. tells eglot to run "errsig lsp" (`errsig-program') for that mode, with
;;    the LSP language id "log";
;; 3. nothing else: diagnostics come through Flymake (`M-x flymake-show-buffer-diagnostics'),
;;    the explanation through ElDoc (hover), and the actions through
;;    `M-x eglot-code-actions'.
;;
;; The project (where "suppress for the project" writes .errsig.toml) is
;; eglot's: the nearest version-controlled directory above the file.
;; Emacs does not implement errsig's client-side commands (running a fix
;; command in a terminal, opening a report buffer); the server then offers
;; what it can do itself (it writes the explanation or report to a file and
;; says where).

;;; Code:

(defgroup errsig nil
  "Anthropic API errors in logs, through the errsig language server."
  :group 'tools
  :prefix "errsig-")

(defcustom errsig-program "errsig"
  "The errsig executable: a name on `exec-path' or an absolute file name.
It is run as \"PROGRAM lsp\", a language server on standard input/output."
  :type 'string
  :group 'errsig)

(define-derived-mode errsig-log-mode text-mode "Log"
  "Major mode for log files and terminal transcripts.
Plain `text-mode' with its own name, so that eglot can attach errsig
to logs only.  Add `eglot-ensure' to `errsig-log-mode-hook' to start
the language server on every log.")

(add-to-list 'auto-mode-alist '("\\.log\\'" . errsig-log-mode))
(add-to-list 'auto-mode-alist '("\\.transcript\\'" . errsig-log-mode))

(defun errsig--contact (&optional _interactive)
  "The command line eglot runs for errsig: `errsig-program' and \"lsp\"."
  (list errsig-program "lsp"))

(defvar eglot-server-programs)
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               '((errsig-log-mode :language-id "log") . errsig--contact)))

(provide 'errsig)
;;; errsig.el ends here
