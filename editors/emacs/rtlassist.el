;;; rtlassist.el --- rtlassist for Verilog, SystemVerilog and VHDL, through eglot -*- lexical-binding: t -*-

;; Version: 0.1
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages, tools, hardware

;;; Commentary:

;; Registers `rtlassist lsp' with eglot for the HDL major modes (verilog-mode, vhdl-mode and the
;; tree-sitter modes when installed) and adds rtlassist's own requests as commands:
;;
;;   M-x rtlassist-search     a question in words or identifiers -> compilation-style buffer
;;   M-x rtlassist-explain    the unit at point (or named)      -> Markdown buffer beside the code
;;   M-x rtlassist-hierarchy  the instance tree below a top     -> tree buffer, RET jumps
;;   M-x rtlassist-trace      drivers (C-u: loads) of the signal at point -> compilation-style buffer
;;
;; Setup:  (require 'rtlassist) (rtlassist-setup)   ; eglot-ensure in the HDL modes
;;
;; The explain buffer renders every field of the server's answer generically, so fields the
;; server adds later show without a change here.  With a chat model configured on the server,
;; the explanation's prose streams in as `$/progress' deltas.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'jsonrpc)
(require 'compile)
(require 'subr-x)

(defgroup rtlassist nil
  "rtlassist language server client."
  :group 'tools
  :prefix "rtlassist-")

(defcustom rtlassist-command '("rtlassist" "lsp")
  "Command line that starts the rtlassist language server."
  :type '(repeat string))

(defcustom rtlassist-modes '(verilog-mode vhdl-mode verilog-ts-mode systemverilog-ts-mode
                                          vhdl-ts-mode)
  "Major modes whose buffers rtlassist serves (modes not installed are harmless)."
  :type '(repeat symbol))

(defcustom rtlassist-explain-prose t
  "Ask for model prose in `rtlassist-explain' (used when the server has a chat model)."
  :type 'boolean)

(defcustom rtlassist-search-top 20
  "How many results `rtlassist-search' asks for."
  :type 'integer)

(defcustom rtlassist-hierarchy-depth 0
  "Depth of `rtlassist-hierarchy' (0: unlimited)."
  :type 'integer)

(defcustom rtlassist-trace-depth 1
  "Hops followed by `rtlassist-trace' (0: all)."
  :type 'integer)

(defcustom rtlassist-timeout 30
  "Seconds to wait for an answer from the server."
  :type 'integer)

(defclass rtlassist-eglot-server (eglot-lsp-server) ()
  "An eglot connection to `rtlassist lsp'.")

(defvar rtlassist--prose-sinks (make-hash-table :test 'equal)
  "partialResultToken -> function called with each streamed piece of text.")

(defvar rtlassist--token-counter 0)

(defvar rtlassist-index-state nil
  "The server's indexing: nil (not heard of), `running' or `done'.")

(defvar rtlassist-index-progress nil
  "The server's last indexing progress message while it runs, or nil.")

(cl-defmethod eglot-handle-notification
  ((_server rtlassist-eglot-server) (_method (eql $/progress)) &key token value)
  "Stream explain prose to its buffer; remember indexing progress."
  (let ((sink (gethash token rtlassist--prose-sinks)))
    (cond
     (sink (let ((delta (plist-get value :delta)))
             (when (stringp delta) (funcall sink delta))))
     (t (let ((kind (plist-get value :kind)))
          (setq rtlassist-index-state (if (equal kind "end") 'done 'running))
          (setq rtlassist-index-progress
                (if (equal kind "end")
                    nil
                  (string-join (delq nil (list (plist-get value :title)
                                               (plist-get value :message)))
                               " "))))))))

(cl-defmethod eglot-client-capabilities ((_server rtlassist-eglot-server))
  "Eglot's capabilities plus work-done progress, so that the server reports indexing."
  (let* ((caps (cl-call-next-method))
         (window (plist-get caps :window)))
    (plist-put caps :window (plist-put (copy-sequence window) :workDoneProgress t))))

(cl-defmethod eglot-handle-request
  ((_server rtlassist-eglot-server) (_method (eql window/workDoneProgress/create)) &key _token)
  "Accept the server's progress token."
  nil)

(defun rtlassist--contact (&optional _interactive)
  "The eglot contact of the server: our class and `rtlassist-command'."
  (cons 'rtlassist-eglot-server rtlassist-command))

;;;###autoload
(defun rtlassist-register ()
  "Register rtlassist with eglot for `rtlassist-modes'."
  (setq eglot-server-programs
        (cons (cons rtlassist-modes #'rtlassist--contact)
              (cl-remove #'rtlassist--contact eglot-server-programs :key #'cdr))))

;;;###autoload
(defun rtlassist-setup ()
  "Register rtlassist with eglot and start it in every buffer of `rtlassist-modes'."
  (rtlassist-register)
  (dolist (m rtlassist-modes)
    (add-hook (intern (format "%s-hook" m)) #'eglot-ensure)))

(rtlassist-register)

;;; Talking to the server

(defun rtlassist--server ()
  "The rtlassist server of this buffer, else any running one."
  (or (let ((s (eglot-current-server))) (and (cl-typep s 'rtlassist-eglot-server) s))
      (cl-find-if (lambda (s) (cl-typep s 'rtlassist-eglot-server))
                  (let (all)
                    (maphash (lambda (_k v) (setq all (append v all))) eglot--servers-by-project)
                    all))
      (user-error "rtlassist: no server; open a Verilog, SystemVerilog or VHDL file first")))

(defun rtlassist--request (method params)
  "Send METHOD with PARAMS to the rtlassist server and wait for its result."
  (jsonrpc-request (rtlassist--server) method params :timeout rtlassist-timeout))

(defun rtlassist--uri-to-path (uri)
  (funcall (if (fboundp 'eglot-uri-to-path) 'eglot-uri-to-path 'eglot--uri-to-path) uri))

(defun rtlassist--root (server)
  "The workspace folder of SERVER, with a final slash."
  (file-name-as-directory
   (expand-file-name
    (let ((p (eglot--project server)))
      (if (fboundp 'project-root) (project-root p) (car (project-roots p)))))))

(defun rtlassist--loc-file (loc root)
  "The file of LOC relative to ROOT (when below it)."
  (let ((f (rtlassist--uri-to-path (plist-get loc :uri))))
    (if (string-prefix-p root f) (substring f (length root)) f)))

(defun rtlassist--loc-line (loc)
  (1+ (plist-get (plist-get (plist-get loc :range) :start) :line)))

(defun rtlassist--loc-col (loc)
  (1+ (plist-get (plist-get (plist-get loc :range) :start) :character)))

(defun rtlassist--location-p (v)
  (and (consp v) (keywordp (car v)) (plist-get v :uri) (plist-get v :range) t))

(defun rtlassist--object-p (v)
  (and (consp v) (keywordp (car v))))

;;; Explain: generic Markdown

(defun rtlassist--title (key)
  "\":instantiatedBy\" -> \"Instantiated by\"."
  (let* ((s (substring (symbol-name key) 1))
         (case-fold-search nil)
         (s (replace-regexp-in-string "_" " " s))
         (s (replace-regexp-in-string "\\([a-z]\\)\\([A-Z]\\)"
                                      (lambda (m) (concat (match-string 1 m) " "
                                                          (downcase (match-string 2 m))))
                                      s t t)))
    (concat (upcase (substring s 0 1)) (substring s 1))))

(defun rtlassist--scalar (v root)
  "V as one line of text, or nil when it is a structure."
  (cond
   ((null v) nil)
   ((eq v :json-false) "no")
   ((eq v t) "yes")
   ((stringp v) v)
   ((numberp v) (format "%s" v))
   ((rtlassist--location-p v)
    (format "%s:%d" (rtlassist--loc-file v root) (rtlassist--loc-line v)))
   ((and (vectorp v) (cl-every (lambda (x) (not (or (vectorp x) (rtlassist--object-p x))))
                               (append v nil)))
    (mapconcat (lambda (x) (or (rtlassist--scalar x root) "")) v ", "))
   (t nil)))

(defun rtlassist--plist-keys (p)
  (cl-loop for (k _v) on p by #'cddr collect k))

(defun rtlassist--flat-p (o)
  "Non-nil when object O holds only scalars, locations and lists of scalars."
  (and (rtlassist--object-p o) (not (rtlassist--location-p o))
       (cl-loop for (_k v) on o by #'cddr
                always (or (not (or (vectorp v) (consp v)))
                           (rtlassist--location-p v)
                           (and (vectorp v) (rtlassist--scalar v "/"))))))

(defun rtlassist--render (v root indent)
  "Insert V (object, list or scalar) as Markdown lines with INDENT."
  (cond
   ((rtlassist--scalar v root) (insert indent (rtlassist--scalar v root) "\n"))
   ((and (vectorp v) (string= indent "") (> (length v) 0)
         (cl-every #'rtlassist--flat-p (append v nil)))
    ;; a table; columns in the order the server sends them, locations last
    (let (cols)
      (dolist (o (append v nil))
        (dolist (k (rtlassist--plist-keys o))
          (unless (memq k cols) (setq cols (append cols (list k))))))
      (when (memq :location cols) (setq cols (append (delq :location cols) '(:location))))
      (insert "| " (mapconcat #'rtlassist--title cols " | ") " |\n")
      (insert "|" (mapconcat (lambda (_) "---") cols "|") "|\n")
      (dolist (o (append v nil))
        (insert "| "
                (mapconcat (lambda (k)
                             (replace-regexp-in-string
                              "|" "\\\\|" (or (rtlassist--scalar (plist-get o k) root) "") t t))
                           cols " | ")
                " |\n"))))
   ((vectorp v)
    (dolist (o (append v nil))
      (if (rtlassist--object-p o)
          (let ((first t))
            (cl-loop for (k x) on o by #'cddr
                     do (let ((prefix (if first (concat indent "- ") (concat indent "  ")))
                              (s (rtlassist--scalar x root)))
                          (cond (s (insert prefix (rtlassist--title k) ": " s "\n")
                                   (setq first nil))
                                ((or (vectorp x) (consp x))
                                 (insert prefix (rtlassist--title k) ":\n")
                                 (setq first nil)
                                 (rtlassist--render x root (concat indent "    ")))))))
        (insert indent "- " (or (rtlassist--scalar o root) "") "\n"))))
   ((rtlassist--object-p v)
    (cl-loop for (k x) on v by #'cddr
             do (let ((s (rtlassist--scalar x root)))
                  (cond (s (insert indent "- " (rtlassist--title k) ": " s "\n"))
                        ((or (vectorp x) (consp x))
                         (insert indent "- " (rtlassist--title k) ":\n")
                         (rtlassist--render x root (concat indent "    ")))))))))

(defun rtlassist-explain-markdown (r root &optional prose)
  "Markdown text of the rtlassist/explain result R (file names relative to ROOT).
PROSE, streamed text, is shown in place of the result's own prose field."
  (with-temp-buffer
    (insert "# " (string-join (delq nil (list (plist-get r :kind) (plist-get r :name))) " ")
            "\n")
    (when (stringp (plist-get r :language)) (insert "*" (plist-get r :language) "*\n"))
    (let ((comment (plist-get r :comment))
          (text (or prose (plist-get r :prose))))
      (when (and (stringp comment) (not (string-empty-p comment)))
        (insert "\n")
        (dolist (l (split-string comment "\n")) (insert "> " l "\n")))
      (when (and (stringp text) (not (string-empty-p text)))
        (insert "\n" text "\n")))
    (cl-loop for (k v) on r by #'cddr
             unless (or (memq k '(:name :kind :language :comment :prose))
                        (null v) (and (vectorp v) (= (length v) 0)))
             do (let ((s (and (not (vectorp v)) (rtlassist--scalar v root))))
                  (insert "\n")
                  (if s
                      (insert "**" (rtlassist--title k) "**: " s "\n")
                    (insert "## " (rtlassist--title k)
                            (if (vectorp v) (format " (%d)" (length v)) "") "\n")
                    (rtlassist--render v root ""))))
    (buffer-string)))

(defun rtlassist--markdown-mode ()
  (if (fboundp 'gfm-view-mode) (gfm-view-mode)
    (if (fboundp 'markdown-mode) (markdown-mode) (special-mode))))

;;;###autoload
(defun rtlassist-explain (&optional unit)
  "Explain UNIT, or the design unit at point, in a Markdown buffer beside the code."
  (interactive (list (let ((s (read-string "Unit (empty: at point): ")))
                       (unless (string-empty-p s) s))))
  (let* ((server (rtlassist--server))
         (root (rtlassist--root server))
         (params (if unit (list :unit unit) (eglot--TextDocumentPositionParams)))
         (buf (get-buffer-create "*rtlassist-explain*"))
         (prose "")
         (token nil)
         (show (lambda (r)
                 (with-current-buffer buf
                   (let ((inhibit-read-only t))
                     (erase-buffer)
                     (insert (rtlassist-explain-markdown
                              r root (unless (string-empty-p prose) prose)))
                     (goto-char (point-min)))))))
    (with-current-buffer buf
      (rtlassist--markdown-mode)
      (setq default-directory root))
    (when rtlassist-explain-prose
      (setq token (format "rtlassist-explain-%d" (cl-incf rtlassist--token-counter)))
      (setq params (append params (list :prose t :partialResultToken token)))
      (puthash token (lambda (delta)
                       (setq prose (concat prose delta))
                       (funcall show (list :name (or unit "") :kind "explaining")))
               rtlassist--prose-sinks))
    (display-buffer buf '(display-buffer-in-side-window (side . right) (window-width . 0.45)))
    (let ((r (unwind-protect
                 (condition-case err
                     (jsonrpc-request server :rtlassist/explain params :timeout rtlassist-timeout)
                   (jsonrpc-error
                    ;; a server without a chat model may refuse prose: ask for the structure
                    (if (not token)
                        (signal (car err) (cdr err))
                      (remhash token rtlassist--prose-sinks)
                      (setq token nil)
                      (jsonrpc-request server :rtlassist/explain
                                       (if unit (list :unit unit)
                                         (eglot--TextDocumentPositionParams))
                                       :timeout rtlassist-timeout))))
               (when token (remhash token rtlassist--prose-sinks)))))
      (funcall show r)
      buf)))

;;; Search and trace: compilation-style buffers

(defun rtlassist--compilation-buffer (name root header lines)
  "Show LINES (FILE:LINE:COL: TEXT) in buffer NAME, browsable with `next-error'."
  (let ((buf (get-buffer-create name)))
    (with-current-buffer buf
      (let ((inhibit-read-only t))
        (erase-buffer)
        (setq default-directory root)
        (insert header "\n\n")
        (dolist (l lines) (insert l "\n"))
        (insert (format "\n%d result%s\n" (length lines) (if (= (length lines) 1) "" "s"))))
      (compilation-mode)
      (setq next-error-last-buffer buf)
      (goto-char (point-min)))
    (display-buffer buf)
    buf))

;;;###autoload
(defun rtlassist-search (query)
  "Search the repository for QUERY (words or identifiers); results in a compilation buffer."
  (interactive "sSearch: ")
  (let* ((server (rtlassist--server))
         (root (rtlassist--root server))
         (r (jsonrpc-request server :rtlassist/search
                             (list :query query :top rtlassist-search-top)
                             :timeout rtlassist-timeout)))
    (rtlassist--compilation-buffer
     "*rtlassist-search*" root (format "rtlassist search: %s" query)
     (mapcar (lambda (hit)
               (format "%s:%d:%d: [%s%s] %s" (rtlassist--loc-file hit root)
                       (rtlassist--loc-line hit) (rtlassist--loc-col hit)
                       (if (stringp (plist-get hit :unit)) (concat (plist-get hit :unit) " ") "")
                       (plist-get hit :kind) (or (plist-get hit :snippet) "")))
             (plist-get r :results)))))

(defun rtlassist-trace-path (hit direction)
  "The hops of trace HIT in the direction data flows: \"din -> push (data call)\"."
  (let* ((hops (append (plist-get hit :hops) nil))
         (hops (if (equal direction "loads") hops (reverse hops))))
    (format "%s (%s)"
            (string-join (cons (plist-get (car hops) :from)
                               (mapcar (lambda (h) (plist-get h :to)) hops))
                         " -> ")
            (mapconcat (lambda (h) (string-join (delq nil (list (plist-get h :kind)
                                                                (plist-get h :how)))
                                                " "))
                       hops ", "))))

;;;###autoload
(defun rtlassist-trace (signal &optional loads)
  "Trace the drivers of SIGNAL (with prefix argument LOADS: its loads) in the unit at point."
  (interactive (list (let ((s (thing-at-point 'symbol t)))
                       (read-string (format "Signal%s: " (if s (format " (default %s)" s) ""))
                                    nil nil s))
                     current-prefix-arg))
  (let* ((server (rtlassist--server))
         (root (rtlassist--root server))
         (direction (if loads "loads" "drivers"))
         (u (jsonrpc-request server :rtlassist/explain (eglot--TextDocumentPositionParams)
                             :timeout rtlassist-timeout))
         (unit (or (plist-get u :name) (user-error "rtlassist: no design unit at point")))
         (r (jsonrpc-request server :rtlassist/trace
                             (list :unit unit :signal signal :direction direction
                                   :depth rtlassist-trace-depth)
                             :timeout rtlassist-timeout)))
    (rtlassist--compilation-buffer
     "*rtlassist-trace*" root (format "rtlassist trace %s %s.%s" direction unit signal)
     (delq nil
           (mapcar (lambda (hit)
                     (let ((loc nil))
                       ;; the hit is where its last hop happens
                       (cl-loop for h across (plist-get hit :hops)
                                when (plist-get h :location) do (setq loc (plist-get h :location)))
                       (when loc
                         (format "%s:%d:%d: %s%s  %s" (rtlassist--loc-file loc root)
                                 (rtlassist--loc-line loc) (rtlassist--loc-col loc)
                                 (let ((w (plist-get hit :where)))
                                   (if (and w (not (string-empty-p w))) (concat w ": ") ""))
                                 (plist-get hit :signal)
                                 (rtlassist-trace-path hit direction)))))
                   (plist-get r :hits))))))

;;; Hierarchy: a tree buffer with buttons

(defvar rtlassist-hierarchy-mode-map
  (let ((m (make-sparse-keymap)))
    (set-keymap-parent m (make-composed-keymap button-buffer-map special-mode-map))
    (define-key m (kbd "n") #'forward-button)
    (define-key m (kbd "p") #'backward-button)
    m))

(define-derived-mode rtlassist-hierarchy-mode special-mode "RTL-Hierarchy"
  "The instance tree of `rtlassist-hierarchy'; RET on a name opens it.")

(defun rtlassist--jump (loc unit server)
  "Open LOC, or the definition of UNIT asked from SERVER."
  (unless loc
    (let ((r (jsonrpc-request server :rtlassist/explain (list :unit unit)
                              :timeout rtlassist-timeout)))
      (setq loc (plist-get r :location))))
  (when loc
    (let ((file (rtlassist--uri-to-path (plist-get loc :uri))))
      (pop-to-buffer (find-file-noselect file))
      (goto-char (eglot--lsp-position-to-point (plist-get (plist-get loc :range) :start))))))

;;;###autoload
(defun rtlassist-hierarchy (&optional top)
  "Show the instance tree below TOP (default: every top) in a tree buffer."
  (interactive (list (let ((s (read-string "Top (empty: every top): ")))
                       (unless (string-empty-p s) s))))
  (let* ((server (rtlassist--server))
         (root (rtlassist--root server))
         (r (jsonrpc-request server :rtlassist/hierarchy
                             (append (list :depth rtlassist-hierarchy-depth)
                                     (when top (list :top top)))
                             :timeout rtlassist-timeout))
         (buf (get-buffer-create "*rtlassist-hierarchy*")))
    (with-current-buffer buf
      (let ((inhibit-read-only t))
        (erase-buffer)
        (rtlassist-hierarchy-mode)
        (setq default-directory root)
        (cl-labels
            ((walk (node prefix lastp topp)
               (let* ((loc (plist-get node :location))
                      (unit (or (plist-get node :unit) (plist-get node :type)))
                      (label (if topp (or (plist-get node :type) (plist-get node :path))
                               (format "%s: %s" (or (plist-get node :instance)
                                                    (plist-get node :path))
                                       (plist-get node :type)))))
                 (insert (if topp "" (concat prefix (if lastp "└─ " "├─ "))))
                 (insert-text-button label
                                     'action (lambda (_b) (rtlassist--jump loc unit server))
                                     'follow-link t
                                     'help-echo (if loc (format "%s:%d" (rtlassist--loc-file loc root)
                                                                (rtlassist--loc-line loc))
                                                  "open the definition"))
                 (when (and (not topp) (plist-get node :unit)
                            (not (equal (plist-get node :unit) (plist-get node :type))))
                   (insert " -> " (plist-get node :unit)))
                 (when (and topp (eq (plist-get node :testbench) t)) (insert "  (testbench)"))
                 (when (and (not topp) (or (equal (plist-get node :how) "unresolved")
                                           (and (null (plist-get node :unit))
                                                (not (equal (plist-get node :how) "builtin")))))
                   (insert "  (unresolved)"))
                 (when (eq (plist-get node :recursive) t) (insert "  (recursive)"))
                 (when (eq (plist-get node :truncated) t) (insert "  ..."))
                 (when loc
                   (insert (propertize (format "  %s:%d" (rtlassist--loc-file loc root)
                                               (rtlassist--loc-line loc))
                                       'face 'shadow)))
                 (insert "\n")
                 (let* ((kids (append (plist-get node :children) nil))
                        (n (length kids)) (i 0))
                   (dolist (c kids)
                     (cl-incf i)
                     (walk c (if topp "" (concat prefix (if lastp "   " "│  "))) (= i n) nil))))))
          (dolist (node (append (plist-get r :roots) nil))
            (walk node "" t t)))
        (when (eq (plist-get r :truncated) t) (insert "(truncated)\n"))
        (goto-char (point-min))))
    (pop-to-buffer buf)
    buf))

(provide 'rtlassist)
;;; rtlassist.el ends here
