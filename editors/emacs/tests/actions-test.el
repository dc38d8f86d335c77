;;; actions-test.el --- code actions and workspace/executeCommand under eglot  -*- lexical-binding: t -*-

(setq errsig-test--file "actions-test.el")

(defconst errsig-test-client-side '("errsig.runInTerminal" "errsig.openReport")
  "Commands only an editor client implements; eglot implements neither and
does not advertise them, so the server must not offer them to it.")

(defun errsig-test-open-with-diag (&optional fixture)
  "Open FIXTURE (default the 1.0 capture); return (BUFFER DIAG ACTIONS)."
  (let* ((buf (errsig-test-open (or fixture "cc-1.0-print-permission_denied.txt")))
         (d (car (errsig-test-wait-diags buf))))
    (list buf d (errsig-test-code-actions buf d))))

(defun errsig-test-titles (actions)
  (mapcar (lambda (a) (plist-get a :title)) actions))

(defun errsig-test-find-title (actions regexp)
  (cl-find-if (lambda (title) (string-match-p regexp title)) (errsig-test-titles actions)))

(errsig-it "code actions on the finding: explain, report, suppress line/file/project, doctor, commands"
  (pcase-let ((`(,_buf ,_d ,actions) (errsig-test-open-with-diag)))
    (errsig-test-out "     actions: %s" (mapconcat (lambda (s) (format "%S" s)) (errsig-test-titles actions) ", "))
    (dolist (re '("\\`Explain 403-permission-denied: "
                  "\\`Write a report of this error"
                  "\\`Suppress 403-permission-denied on this line\\'"
                  "\\`Suppress 403-permission-denied in this file\\'"
                  "\\`Suppress 403-permission-denied for the project\\'"
                  "\\`Run errsig doctor"
                  "`claude auth status`"
                  "`claude /login`"))
      (errsig-ok (errsig-test-find-title actions re) (format "an action matching %S" re)))
    (dolist (a actions)
      (errsig-eq "quickfix" (plist-get a :kind) (format "kind of %S" (plist-get a :title))))))

(errsig-it "every command the actions offer is advertised in executeCommandProvider (none client-side)"
  (pcase-let* ((`(,buf ,_d ,actions) (errsig-test-open-with-diag))
               (advertised (errsig-test-server-commands buf))
               (offered (delete-dups (mapcar (lambda (a) (car (errsig-test-action-command a))) actions))))
    (errsig-test-out "     advertised: %S" advertised)
    (errsig-test-out "     offered:    %S" offered)
    (dolist (c offered)
      (errsig-ok (not (member c errsig-test-client-side)) (format "%s (client-side) not offered to eglot" c)))
    (let ((missing (cl-remove-if (lambda (c) (member c advertised)) offered)))
      (errsig-ok (null missing) (format "offered commands in executeCommandProvider; missing: %S" missing)))))

(defun errsig-test-check-suppress (buf root result scope)
  "After a suppress for SCOPE: RESULT names ROOT/.errsig.toml, the file says
so with a path relative to ROOT, and the diagnostic is gone from Flymake."
  (let* ((toml-file (expand-file-name ".errsig.toml" root))
         (toml (errsig-eventually 5000 (lambda () (errsig-test-read toml-file)) ".errsig.toml in the project root" buf)))
    (errsig-ok (string-search "[[suppress]]" toml) (format ".errsig.toml has [[suppress]]: %S" toml))
    (errsig-ok (string-search "rule = \"403-permission-denied\"" toml) (format "the rule is written: %S" toml))
    (errsig-ok (not (string-search (directory-file-name root) toml)) (format "no absolute path in .errsig.toml: %S" toml))
    (pcase scope
      ("line" (errsig-ok (string-search "path = \"logs/claude.log\"" toml) (format "relative path written: %S" toml))
              (errsig-ok (string-match-p "^line = 1$" toml) (format "line = 1 written: %S" toml)))
      ("file" (errsig-ok (string-search "path = \"logs/claude.log\"" toml) (format "relative path written: %S" toml))
              (errsig-ok (not (string-match-p "^line = " toml)) (format "no line for a file suppression: %S" toml)))
      ("project" (errsig-ok (not (string-match-p "^\\(path\\|line\\) = " toml)) (format "no path or line for the project: %S" toml))))
    (errsig-ok (and (listp result) (equal (plist-get result :path) toml-file))
               (format "executeCommand returns {path: %s}: %S" toml-file result))
    (errsig-eventually 5000 (lambda () (null (errsig-test-diags buf))) "the diagnostic to disappear from Flymake" buf)
    t))

(errsig-it "\"Suppress on this line\" through eglot's menu writes .errsig.toml; the diagnostic goes away"
  (pcase-let* ((`(,buf ,d ,actions) (errsig-test-open-with-diag))
               (title (errsig-test-find-title actions "\\`Suppress .* on this line\\'"))
               (root errsig-test-root))
    (errsig-ok title "a \"Suppress … on this line\" action")
    (let* ((action (cl-find title actions :key (lambda (a) (plist-get a :title)) :test #'equal))
           (result (errsig-test-run-action buf d title)))
      (errsig-test-out "     ran %S → %S" (errsig-test-action-command action) result)
      (errsig-test-check-suppress buf root result "line"))))

(defun errsig-test-run-checked (title)
  "In a fresh project, run the action TITLE through eglot's menu and check
its effect.  Returns a line saying what ran."
  (pcase-let* ((`(,buf ,d ,actions) (errsig-test-open-with-diag))
               (action (cl-find title actions :key (lambda (a) (plist-get a :title)) :test #'equal))
               (`(,command . ,args) (errsig-test-action-command action))
               (root errsig-test-root)
               (t0 (float-time))
               (result (condition-case e (errsig-test-run-action buf d title)
                         (jsonrpc-error
                          (errsig-test-fail "%s %S: error response %S" command args (cdr e))))))
    (pcase command
      ("errsig.suppress"
       (errsig-test-check-suppress buf root result (plist-get (aref args 0) :scope)))
      ((or "errsig.explain" "errsig.writeReport")
       (let ((path (and (listp result) (plist-get result :path))))
         (errsig-ok (and (stringp path) (file-exists-p path)) (format "%s returns {path} of a written file: %S" command result))
         (errsig-ok (string-prefix-p (expand-file-name "errsig/" (getenv "XDG_CACHE_HOME")) path)
                    (format "written under $XDG_CACHE_HOME/errsig: %s" path))
         (errsig-ok (string-search "req_011CQ7qZma6cJxJaT73dZWee" (errsig-test-read path)) (format "%s names the request id" path))
         ;; eglot 1.9 has no window/showDocument: the server says where it is.
         (errsig-eventually 3000 (lambda () (errsig-test-message-matching (regexp-quote path) t0))
                            (format "a window/showMessage naming %s (messages: %S)" path errsig-test-messages) buf)))
      ("errsig.showCommand"
       (let ((shell (plist-get (aref args 0) :command)))
         (errsig-eventually 3000 (lambda () (errsig-test-message-matching (regexp-quote shell) t0))
                            (format "a window/showMessage with `%s' (messages: %S)" shell errsig-test-messages) buf)))
      ("errsig.doctor"
       (errsig-eventually 20000 (lambda () (errsig-test-message-matching "doctor" t0))
                          (format "the doctor's report by window/showMessage (messages: %S)" errsig-test-messages) buf))
      (_ (errsig-eventually 5000 (lambda () (or errsig-test-messages errsig-test-prompts))
                            (format "%s to say something (message or prompt)" command) buf)))
    (format "%s %S → %S%s" command (append args nil) result
            (if errsig-test-prompts (format " (declined the prompt %S)" (car (car errsig-test-prompts))) ""))))

(errsig-it "every other offered command runs through eglot without an error response"
  (pcase-let* ((`(,_buf ,_d ,actions) (errsig-test-open-with-diag))
               (titles (cl-remove-if (lambda (title) (string-match-p "\\`Suppress .* on this line\\'" title))
                                     (errsig-test-titles actions)))
               (failures nil))
    (errsig-test--reset)
    (dolist (title titles)
      (condition-case e
          (errsig-test-out "     ran %s" (errsig-test-run-checked title))
        (error (push (format "%s: %s" title (if (eq (car e) 'errsig-test-failure) (cadr e) (format "%S" e))) failures)
               (errsig-test-out "     FAILED %s" (car failures))
               (when (getenv "ERRSIG_TEST_EVENTS")
                 (errsig-test-out "     eglot events:\n      %s" (errsig-test--events-tail 40)))))
      (errsig-test--reset))
    (errsig-ok (null failures) (format "%d of %d commands failed" (length failures) (length titles)))))

;;; actions-test.el ends here
