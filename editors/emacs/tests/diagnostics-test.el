;;; diagnostics-test.el --- Flymake diagnostics and hover on real captures  -*- lexical-binding: t -*-

(setq errsig-test--file "diagnostics-test.el")

(defconst errsig-test-title "Anthropic API refused the credential (403 permission_error)")
(defconst errsig-test-prefix "$ cd ~/src/app\n$ claude -p \"Review the diff\"\n"
  "Shell lines before a capture, so the finding is not on line 1.")

(errsig-it "a Claude Code 1.0 capture: one Flymake error on line 1, rule id and headline"
  (let* ((buf (errsig-test-open "cc-1.0-print-permission_denied.txt"))
         (diags (errsig-test-wait-diags buf))
         (d (car diags)))
    (errsig-eq 1 (length diags) "number of diagnostics")
    (errsig-eq 1 (plist-get d :line) "line")
    (errsig-eq 1 (plist-get d :end-line) "end line")
    (errsig-eq 'eglot-error (plist-get d :type) "Flymake type")
    (errsig-eq "403-permission-denied" (plist-get (plist-get d :lsp) :code) "LSP code")
    ;; eglot shows "SOURCE [CODE]: MESSAGE"; the message is the headline.
    (errsig-eq "errsig [403-permission-denied]: Anthropic API 403 permission_error: Permission denied (req_011CQ7qZma6cJxJaT73dZWee)"
               (plist-get d :text) "Flymake text")
    (with-current-buffer buf
      (errsig-eq (directory-file-name errsig-test-root)
                 (directory-file-name (expand-file-name (project-root (eglot--project (eglot-current-server)))))
                 "eglot's project is the directory with .git")
      (errsig-eq "log" (eglot--language-id (eglot-current-server)) "languageId"))))

(errsig-it "a Claude Code 2.1 capture after two shell lines: the error on line 3"
  (let* ((buf (errsig-test-open "cc-2.1-print-permission_denied.txt" errsig-test-prefix))
         (diags (errsig-test-wait-diags buf))
         (d (car diags)))
    (errsig-eq 1 (length diags) "number of diagnostics")
    (errsig-eq 3 (plist-get d :line) "line")
    (errsig-eq "403-permission-denied" (plist-get (plist-get d :lsp) :code) "LSP code")
    (errsig-eq "errsig [403-permission-denied]: Anthropic API 403: Permission denied" (plist-get d :text) "Flymake text")
    (with-current-buffer buf
      (errsig-eq "Failed to authenticate. API Error: 403 Permission denied"
                 (buffer-substring-no-properties (plist-get d :beg) (plist-get d :end))
                 "the range covers the printed error"))))

(defun errsig-test-hover (buf pos)
  "textDocument/hover at POS, as eglot asks it; the markdown or nil."
  (with-current-buffer buf
    (goto-char pos)
    (let ((r (jsonrpc-request (eglot-current-server) :textDocument/hover (eglot--TextDocumentPositionParams))))
      (when r
        (let ((c (plist-get r :contents)))
          (errsig-eq "markdown" (plist-get c :kind) "hover contents kind")
          (plist-get c :value))))))

(errsig-it "hover on the finding: the headline first, readable as plain text"
  (let* ((buf (errsig-test-open "cc-1.0-print-permission_denied.txt"))
         (d (car (errsig-test-wait-diags buf)))
         (md (errsig-test-hover buf (+ (plist-get d :beg) 20))))
    (errsig-ok (stringp md) "a hover")
    (errsig-ok (string-prefix-p "Anthropic API 403 permission_error: Permission denied (req_011CQ7qZma6cJxJaT73dZWee)" md)
               (format "hover starts with the headline: %S" (substring md 0 (min 80 (length md)))))
    (dolist (line (split-string md "\n"))
      (errsig-ok (and (<= (length line) 100) (not (string-prefix-p "#" line)) (not (string-prefix-p "|" line)))
                 (format "a plain hover line: %S" line)))
    (dolist (s (list errsig-test-title "\nFix:\n" "req_011CQ7qZma6cJxJaT73dZWee" "Please run /login" "claude auth status"))
      (errsig-ok (string-search s md) (format "hover contains %S" s)))
    ;; And ElDoc, which is how eglot shows hovers to a user, gets it too.
    (let (doc)
      (with-current-buffer buf
        (goto-char (+ (plist-get d :beg) 20))
        (eglot-hover-eldoc-function (lambda (info &rest _) (setq doc (or info 'empty)))))
      (errsig-eventually 5000 (lambda () doc) "ElDoc's hover" buf)
      (errsig-ok (and (stringp doc) (string-search errsig-test-title doc)) (format "ElDoc shows the title: %S" doc)))))

(errsig-it "hover on a line without a finding is empty; on the 2.1 finding it explains"
  (let* ((buf (errsig-test-open "cc-2.1-print-permission_denied.txt" errsig-test-prefix))
         (d (car (errsig-test-wait-diags buf))))
    (errsig-eq nil (errsig-test-hover buf (with-current-buffer buf (point-min))) "hover on line 1 (a shell line)")
    (let ((md (errsig-test-hover buf (+ (plist-get d :beg) 3))))
      (errsig-ok (and (stringp md) (string-prefix-p "Anthropic API 403" md) (string-search errsig-test-title md)) "hover on line 3 explains it")
      (errsig-ok (string-search "Permission denied" md) "with the message"))))

;;; diagnostics-test.el ends here
