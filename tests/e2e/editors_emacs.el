;;; editors_emacs.el --- ERT tests of editors/emacs/rtlassist.el against the real server -*- lexical-binding: t -*-
;; Run by editors_emacs.sh in batch Emacs with Debian's elpa-eglot: RA_BIN is the rtlassist
;; binary, RA_ROOT a git workspace holding the fixture design in sv/.  Every wait has a deadline.

(require 'ert)
(require 'rtlassist)

(defvar ra-root (file-name-as-directory (getenv "RA_ROOT")))
(setq rtlassist-command (list (getenv "RA_BIN") "lsp"))

(defun ra-wait (pred seconds)
  "Process server output until PRED holds or SECONDS pass; PRED's value."
  (let ((deadline (+ (float-time) seconds)) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    v))

(defun ra-open (file line col)
  "Visit FILE of the workspace with the server attached, point at LINE (1-based) COL (0-based)."
  (find-file (expand-file-name file ra-root))
  (run-hooks 'post-command-hook) ; what eglot-ensure waits for after a command
  (should (ra-wait (lambda () (eglot-current-server)) 30))
  (goto-char (point-min))
  (forward-line (1- line))
  (move-to-column col))

(defun ra-text (name)
  (with-current-buffer name (buffer-substring-no-properties (point-min) (point-max))))

(ert-deftest rtlassist-1-registration ()
  (rtlassist-setup)
  (should (memq #'eglot-ensure verilog-mode-hook))
  (should (memq #'eglot-ensure vhdl-mode-hook))
  (ra-open "sv/top.sv" 1 0)
  (should (eq major-mode 'verilog-mode))
  (should (cl-typep (eglot-current-server) 'rtlassist-eglot-server))
  (should (equal (rtlassist--root (eglot-current-server)) ra-root))
  (should (ra-wait (lambda () (eq rtlassist-index-state 'done)) 60)))

(ert-deftest rtlassist-2-search ()
  (ra-open "sv/top.sv" 1 0)
  (rtlassist-search "fifo count")
  (let ((text (ra-text "*rtlassist-search*")))
    (should (string-match-p "^rtlassist search: fifo count$" text))
    (should (string-match-p "^sv/fifo\\.sv:16:1: \\[fifo declarations\\] logic \\[AW:0\\] count;$"
                            text)))
  (with-current-buffer "*rtlassist-search*" (should (derived-mode-p 'compilation-mode)))
  ;; next-error visits the first hit
  (let ((first (with-current-buffer "*rtlassist-search*"
                 (goto-char (point-min)) (forward-line 2)
                 (buffer-substring-no-properties (point) (line-end-position)))))
    (should (string-match "^\\([^:]+\\):\\([0-9]+\\):" first))
    (let ((file (match-string 1 first))
          (line (string-to-number (match-string 2 first))))
      (next-error 1 t)
      (let ((w (get-buffer-window (find-buffer-visiting (expand-file-name file ra-root)))))
        (should w)
        (should (= (with-selected-window w (line-number-at-pos)) line))))))

(ert-deftest rtlassist-3-explain ()
  (ra-open "sv/top.sv" 1 0)
  (rtlassist-explain "fifo")
  (let ((text (ra-text "*rtlassist-explain*")))
    (should (string-prefix-p "# module fifo\n*systemverilog*\n" text))
    (should (string-match-p "^> fifo\\.sv - a parameterised synchronous FIFO\\.$" text))
    (should (string-match-p "^## Ports (8)$" text))
    (should (string-match-p "^| clk | input | logic | 1 bit |" text))
    (should (string-match-p "^| top | u_named | sv/top\\.sv:27 |$" text)))
  (should (get-buffer-window "*rtlassist-explain*"))
  ;; the unit around point
  (ra-open "sv/top.sv" 60 15)
  (rtlassist-explain)
  (should (string-prefix-p "# module top\n" (ra-text "*rtlassist-explain*"))))

(ert-deftest rtlassist-4-trace ()
  ;; line 60: `always_comb push = fix_pkg::popcount(...)', point on push
  (ra-open "sv/top.sv" 60 15)
  ;; the prompt's default is the symbol at point: accept it
  (cl-letf (((symbol-function 'read-string)
             (lambda (_prompt &optional _initial _history default &rest _) default)))
    (call-interactively #'rtlassist-trace))
  (let ((text (ra-text "*rtlassist-trace*")))
    (should (string-match-p "^rtlassist trace drivers top\\.push$" text))
    (should (string-match-p "^sv/top\\.sv:60:15: din  din -> push (data call)$" text))
    (should (string-match-p "^1 result$" text)))
  (ra-open "sv/top.sv" 60 15)
  (rtlassist-trace "push" t)
  (let ((text (ra-text "*rtlassist-trace*")))
    (should (string-match-p "^rtlassist trace loads top\\.push$" text))
    (should (string-match-p
             "^sv/top\\.sv:31:7: u_named: push  push -> u_named\\.push (port input)$" text))
    (dolist (w '("u_pos" "u_dot" "g_lane.u_lane" "g_wide.u_extra"))
      (should (string-match-p (concat ": " (regexp-quote w) ": push  push -> ") text)))
    (should (string-match-p "^5 results$" text))))

(ert-deftest rtlassist-5-hierarchy ()
  (ra-open "sv/top.sv" 1 0)
  (rtlassist-hierarchy "top")
  (let ((text (ra-text "*rtlassist-hierarchy*")))
    (should (string-prefix-p "top  sv/top.sv:9\n" text))
    (should (string-match-p "^├─ u_named: fifo  sv/top\\.sv:27$" text))
    (should (string-match-p "u_lane: fifo  sv/top\\.sv:49$" text)))
  ;; RET on u_pos opens the instance
  (set-buffer "*rtlassist-hierarchy*")
  (goto-char (point-min))
  (search-forward "u_pos: fifo")
  (push-button (1- (point)))
  (should (equal buffer-file-name (expand-file-name "sv/top.sv" ra-root)))
  (should (= (line-number-at-pos) 39))
  (should (= (current-column) 12))
  ;; RET on the top opens its definition
  (set-buffer "*rtlassist-hierarchy*")
  (goto-char (point-min))
  (push-button (point))
  (should (= (line-number-at-pos) 9)))

(ert-deftest rtlassist-6-generic-markdown ()
  (let ((md (rtlassist-explain-markdown
             '(:name "ctl" :kind "module" :prose "It controls things."
               :stateMachines [(:register "state" :states ["IDLE" "RUN"]
                                          :transitions [(:from "IDLE" :to "RUN")])]
               :clockDomains [(:clock "clk" :registers 3)]
               :dataflow (:inputs ["a" "b"]))
             ra-root)))
    (should (string-match-p "^It controls things\\.$" md))
    (should (string-match-p "^## State machines (1)$" md))
    (should (string-match-p "^  States: IDLE, RUN$" md))
    (should (string-match-p "^    - From: IDLE$" md))
    (should (string-match-p "^| clk | 3 |$" md))
    (should (string-match-p "^- Inputs: a, b$" md))))
