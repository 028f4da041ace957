#!/usr/bin/env bash
# Takes the README's pictures of the editor clients from the real editors: Neovim and Emacs
# (emacs-nox) each in an xterm under Xvfb, driven by a small script that runs the commands and
# shoots its own terminal window with ImageMagick's `import`; PNGs optimised with optipng into
# editors/screenshots/. Installs the Debian packages it needs. CI does not run it.
# Usage: editors/screenshots.sh [RTLASSIST]   (default: build/rtlassist)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/rtlassist}")
out=$here/editors/screenshots
[ -x "$bin" ] || { echo "no rtlassist binary at $bin (make build)" >&2; exit 1; }

need=()
for p in xvfb xterm imagemagick optipng fonts-dejavu-core neovim emacs-nox elpa-eglot; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

work=$(mktemp -d)
xvfb_pid=
cleanup() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ws=$work/ws
mkdir -p "$ws" "$out"
cp -r "$here/tests/fixtures/sv" "$ws/sv"
rm -f "$ws"/sv/*.golden
git -C "$ws" init -q
git -C "$ws" add -A
"$bin" index -C "$ws" >/dev/null

display=:73
Xvfb "$display" -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
export DISPLAY=$display
export XDG_CONFIG_HOME=$work/xdg XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
export RA_BIN=$bin RA_OUT=$work/shots RA_SRC=$here
mkdir -p "$RA_OUT"
term=(xterm -fa "DejaVu Sans Mono" -fs 10 -bg "#1e1e1e" -fg "#d4d4d4" -geometry 118x34+0+0)

# --- Neovim ---------------------------------------------------------------------------------
cat >"$work/nvim.lua" <<'LUA'
local out = os.getenv("RA_OUT")
vim.opt.rtp:prepend(os.getenv("RA_SRC") .. "/editors/nvim")
vim.cmd("filetype plugin on | syntax on")
vim.o.termguicolors = true
vim.o.number = true
vim.o.laststatus = 2
local rtl = require("rtlassist")
rtl.setup({cmd = {os.getenv("RA_BIN"), "lsp"}})
local function shot(name)
  vim.cmd("redraw!")
  vim.wait(600)
  os.execute(string.format("import -window %s %s/%s.png", os.getenv("WINDOWID"), out, name))
end
vim.defer_fn(function()
  vim.wait(20000, function() local c = rtl.client() return c ~= nil and c.initialized end, 50)
  vim.api.nvim_win_set_cursor(0, {27, 3})
  vim.cmd("RtlExplain fifo")
  vim.wait(10000, function() return rtl.last_explain ~= nil end, 50)
  shot("nvim-explain")
  vim.cmd("close")
  vim.api.nvim_win_set_cursor(0, {60, 15})
  vim.cmd("RtlTrace! push")
  vim.wait(10000, function() return #vim.fn.getqflist() > 0 end, 50)
  vim.cmd("wincmd p")
  shot("nvim-trace")
  vim.cmd("cclose")
  vim.cmd("RtlHierarchy top")
  vim.wait(10000, function() return rtl.last_hierarchy ~= nil end, 50)
  vim.api.nvim_win_set_cursor(0, {4, 0})
  shot("nvim-hierarchy")
  vim.cmd("qa!")
end, 500)
LUA
(cd "$ws/sv" && "${term[@]}" -e nvim --clean -n -u "$work/nvim.lua" top.sv)

# --- Emacs ----------------------------------------------------------------------------------
cat >"$work/emacs.el" <<'EL'
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(add-to-list 'load-path (concat (getenv "RA_SRC") "/editors/emacs"))
(require 'rtlassist)
(setq rtlassist-command (list (getenv "RA_BIN") "lsp") inhibit-startup-screen t)
(menu-bar-mode -1)
(rtlassist-setup)
(defun ra-shot (name)
  (redisplay t)
  (sleep-for 0.6)
  (call-process "import" nil nil nil "-window" (getenv "WINDOWID")
                (format "%s/%s.png" (getenv "RA_OUT") name)))
(find-file (concat (getenv "RA_WS") "/sv/top.sv"))
(run-at-time
 0.5 nil
 (lambda ()
   (run-hooks 'post-command-hook)
   (let ((deadline (+ (float-time) 20)))
     (while (and (not (eglot-current-server)) (< (float-time) deadline))
       (accept-process-output nil 0.05)))
   (goto-char (point-min)) (forward-line 59) (move-to-column 15)
   (rtlassist-explain "fifo")
   (rtlassist-trace "push" t)
   (ra-shot "emacs")
   (kill-emacs 0)))
EL
(cd "$ws/sv" && RA_WS=$ws "${term[@]}" -e emacs -nw -Q -l "$work/emacs.el")

for f in "$RA_OUT"/*.png; do
  convert "$f" -colors 64 "PNG8:$out/$(basename "$f")"
  optipng -quiet -o2 "$out/$(basename "$f")"
done
ls -l "$out"
