;;; harness.el --- a small test harness for errsig in a real batch Emacs + eglot  -*- lexical-binding: t -*-

;;; Commentary:

;; Run: emacs --batch -l tests/harness.el -l tests/X-test.el ... -f errsig-test-run
;; (editors/emacs/run-tests.sh does, with an isolated HOME and XDG directories).
;;
;; Loads ../errsig.el exactly as a user would, with `errsig-program' set to
;; $ERRSIG_BIN and `eglot-ensure' on `errsig-log-mode-hook'.  Batch Emacs has no
;; command loop and no redisplay, so `errsig-test-pump' does what they would:
;; it runs `post-command-hook' (where `eglot-ensure' connects and Flymake
;; starts) and `window-configuration-change-hook' (where Flymake starts on a
;; buffer being displayed), then reads process output and runs timers.
;;
;; Tests: (errsig-it NAME BODY...), with `errsig-ok', `errsig-eq' and
;; `errsig-eventually'.  Each test runs after the previous one's servers are
;; shut down and its buffers killed.  Output on standard output: one line per
;; test, then `N passed, N failed'; exit status 1 when a test failed.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eglot)
(require 'flymake)

(defconst errsig-test-dir (file-name-directory (or load-file-name buffer-file-name)))
(defconst errsig-test-repo (expand-file-name "../../../" errsig-test-dir))

;; The user's setup: the file in this repository, plus the one hook its
;; commentary suggests.
(load (expand-file-name "../errsig.el" errsig-test-dir) nil t)
(setq errsig-program (let ((b (getenv "ERRSIG_BIN"))) (if (and b (not (string= b ""))) b "errsig")))
(add-hook 'errsig-log-mode-hook #'eglot-ensure)

(setq make-backup-files nil
      create-lockfiles nil
      auto-save-default nil
      eglot-autoshutdown nil
      eglot-sync-connect 5
      eglot-connect-timeout 10)

;;; Output

(defun errsig-test-out (fmt &rest args)
  "Write a line to standard output."
  (princ (concat (apply #'format fmt args) "\n")))

;;; Messages and prompts from the server

(defvar errsig-test-messages nil
  "window/showMessage notifications received, newest first: (TIME TYPE MESSAGE).")
(defvar errsig-test-prompts nil
  "window/showMessageRequest prompts received, newest first: (MESSAGE TITLES).")
(defvar errsig-test-pick nil
  "The title `completing-read' answers in eglot's code-action menu.")

(defun errsig-test--record-notification (_server method &rest args)
  (when (eq method 'window/showMessage)
    (push (list (float-time) (plist-get args :type) (plist-get args :message)) errsig-test-messages)))
(advice-add 'eglot-handle-notification :before #'errsig-test--record-notification)

(defun errsig-test--completing-read (orig prompt collection &rest args)
  "Answer eglot's prompts; no prompt may wait for a user who is not there."
  (cond
   ((string-prefix-p "[eglot] Pick an action" prompt)
    (or (car (member errsig-test-pick (mapcar (lambda (c) (if (consp c) (car c) c)) collection)))
        (error "No code action titled %S in the menu" errsig-test-pick)))
   ((string-prefix-p "[eglot] Server reports" prompt)
    ;; A window/showMessageRequest: record it and decline (choose a
    ;; "Cancel"-like answer when there is one, else dismiss).
    (let ((titles (mapcar (lambda (c) (if (consp c) (car c) c)) collection)))
      (push (list prompt titles) errsig-test-prompts)
      (cl-find-if (lambda (s) (string-match-p "\\`\\(cancel\\|no\\|don't\\|not now\\)" (downcase s))) titles)))
   (t (ignore orig args) (error "Unexpected prompt in a test: %S" prompt))))
(advice-add 'completing-read :around #'errsig-test--completing-read)

;;; Assertions

(define-error 'errsig-test-failure "Assertion failed")

(defun errsig-test-fail (fmt &rest args)
  (signal 'errsig-test-failure (list (apply #'format fmt args))))

(defun errsig-ok (cond what)
  "Fail with WHAT unless COND; return COND."
  (unless cond (errsig-test-fail "expected: %s" what))
  cond)

(defun errsig-eq (want got what)
  (unless (equal want got)
    (errsig-test-fail "%s: want %S, got %S" what want got))
  got)

(defun errsig-test-pump (&optional buffer)
  "One turn of the command loop batch Emacs does not have, in BUFFER."
  (with-current-buffer (or buffer (current-buffer))
    (let ((this-command nil))
      (run-hooks 'post-command-hook)
      (run-hooks 'window-configuration-change-hook)))
  (accept-process-output nil 0.02))

(defun errsig-eventually (ms pred what &optional buffer)
  "Pump (see `errsig-test-pump') until PRED returns non-nil; fail after MS ms."
  (let ((deadline (+ (float-time) (/ ms 1000.0)))
        last)
    (catch 'done
      (while t
        (condition-case err
            (let ((r (funcall pred)))
              (when r (throw 'done r))
              (setq last r))
          (errsig-test-failure (signal (car err) (cdr err)))
          (error (setq last err)))
        (when (> (float-time) deadline)
          (errsig-test-fail "timed out after %d ms waiting for %s (last: %S)" ms what last))
        (errsig-test-pump buffer)))))

;;; Helpers

(defvar errsig-test-root nil "The project directory of the last `errsig-test-open'.")

(defun errsig-test-fixture (name)
  (expand-file-name (concat "tests/fixtures/real/" name) errsig-test-repo))

(defun errsig-test-project ()
  "A fresh project directory (with .git, so eglot's project is it)."
  (let ((root (file-name-as-directory (make-temp-file "errsig-emacs-project-" t))))
    (make-directory (expand-file-name ".git" root))
    root))

(defun errsig-test-read (file)
  (when (file-exists-p file)
    (with-temp-buffer (insert-file-contents file) (buffer-string))))

(defun errsig-test-open (fixture &optional before)
  "Copy FIXTURE (after the lines BEFORE, a string) to logs/claude.log in a new
project, visit it, and wait for eglot to manage it.  Returns the buffer;
`errsig-test-root' is the project directory."
  (let* ((root (errsig-test-project))
         (path (expand-file-name "logs/claude.log" root)))
    (make-directory (file-name-directory path) t)
    (with-temp-file path
      (when before (insert before))
      (insert-file-contents-literally (errsig-test-fixture fixture))
      (goto-char (point-max)))
    (let ((buf (find-file path)))
      (setq errsig-test-root root)
      (errsig-eq 'errsig-log-mode (buffer-local-value 'major-mode buf) "major mode of a .log file")
      (errsig-eventually 10000 (lambda () (with-current-buffer buf (and eglot--managed-mode (eglot-current-server))))
                         "eglot to manage the buffer" buf)
      buf)))

(defun errsig-test-diags (buf)
  "Flymake's errsig diagnostics in BUF: plists (:line :text :type :lsp), by line."
  (with-current-buffer buf
    (sort (cl-loop for d in (flymake-diagnostics)
                   for lsp = (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d)))
                   when lsp
                   collect (list :line (line-number-at-pos (flymake-diagnostic-beg d))
                                 :end-line (line-number-at-pos (flymake-diagnostic-end d))
                                 :text (flymake-diagnostic-text d)
                                 :type (flymake-diagnostic-type d)
                                 :beg (flymake-diagnostic-beg d)
                                 :end (flymake-diagnostic-end d)
                                 :lsp lsp))
          (lambda (a b) (< (plist-get a :line) (plist-get b :line))))))

(defun errsig-test-wait-diags (buf &optional ms)
  (errsig-eventually (or ms 10000) (lambda () (errsig-test-diags buf)) "Flymake diagnostics" buf))

(defun errsig-test-server-commands (buf)
  "The commands the server lists in executeCommandProvider."
  (with-current-buffer buf
    (append (plist-get (eglot--server-capable :executeCommandProvider) :commands) nil)))

(defun errsig-test-code-actions (buf diag)
  "The code actions eglot gets for DIAG's region (as `eglot-code-actions' asks)."
  (with-current-buffer buf
    (eglot-code-actions (plist-get diag :beg) (plist-get diag :end))))

(defun errsig-test-run-action (buf diag title)
  "Pick TITLE in eglot's code-action menu on DIAG, as `M-x eglot-code-actions' does.
Returns the result of workspace/executeCommand; a JSON-RPC error signals."
  (with-current-buffer buf
    (goto-char (plist-get diag :beg))
    (let ((errsig-test-pick title)
          (last-nonmenu-event ?\r))     ; a key, not a mouse click: no popup menu
      (eglot-code-actions (plist-get diag :beg) (plist-get diag :end) nil t))))

(defun errsig-test-action-command (action)
  "The (COMMAND . ARGUMENTS) an action runs (a Command or a CodeAction with one)."
  (let ((c (if (stringp (plist-get action :command)) action (plist-get action :command))))
    (cons (plist-get c :command) (plist-get c :arguments))))

(defun errsig-test-message-matching (regexp &optional since)
  (cl-find-if (lambda (m) (and (or (null since) (>= (car m) since)) (string-match-p regexp (nth 2 m))))
              errsig-test-messages))

;;; Running

(defvar errsig-test--tests nil)
(defvar errsig-test--file nil)

(defmacro errsig-it (name &rest body)
  (declare (indent 1))
  `(push (list ,name (or errsig-test--file (file-name-nondirectory (or load-file-name ""))) (lambda () ,@body))
         errsig-test--tests))

(defun errsig-test--events-tail (n)
  "The last N lines of every eglot events buffer."
  (mapconcat
   (lambda (b)
     (with-current-buffer b
       (let ((lines (split-string (buffer-string) "\n")))
         (concat (buffer-name b) ":\n      "
                 (mapconcat #'identity (last lines (min n (length lines))) "\n      ")))))
   (cl-remove-if-not (lambda (b) (string-match-p "EGLOT.*events" (buffer-name b))) (buffer-list))
   "\n      "))

(defun errsig-test--reset ()
  (cl-loop for ss being the hash-values of eglot--servers-by-project
           do (cl-loop for s in ss do (ignore-errors (eglot-shutdown s nil 2))))
  (dolist (b (buffer-list))
    (when (or (buffer-file-name b) (string-match-p "EGLOT" (buffer-name b)))
      (with-current-buffer b (set-buffer-modified-p nil))
      (kill-buffer b)))
  (setq errsig-test-messages nil errsig-test-prompts nil))

(defun errsig-test-run ()
  "Run every test defined with `errsig-it'; exit Emacs."
  (let ((passed 0) (failed 0))
    (dolist (test (reverse errsig-test--tests))
      (pcase-let ((`(,name ,file ,fn) test)
                  (t0 (float-time)))
        (let ((err (condition-case e (progn (funcall fn) nil)
                     (error e))))
          (let ((ms (round (* 1000 (- (float-time) t0)))))
            (if (null err)
                (progn (cl-incf passed) (errsig-test-out "ok   %s: %s (%d ms)" file name ms))
              (cl-incf failed)
              (errsig-test-out "FAIL %s: %s (%d ms)\n     %s" file name ms
                               (if (eq (car err) 'errsig-test-failure) (cadr err) (format "%S" err)))
              (when (getenv "ERRSIG_TEST_EVENTS")
                (errsig-test-out "     eglot events:\n      %s" (errsig-test--events-tail 12))))))
        (condition-case e (errsig-test--reset)
          (error (errsig-test-out "     (reset failed: %S)" e)))))
    (errsig-test-out "%d passed, %d failed" passed failed)
    (kill-emacs (if (or (> failed 0) (= passed 0)) 1 0))))

(provide 'errsig-test-harness)
;;; harness.el ends here
