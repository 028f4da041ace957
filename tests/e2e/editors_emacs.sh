#!/usr/bin/env bash
# End-to-end test of the Emacs client (editors/emacs/rtlassist.el): ERT in batch Emacs with
# Debian's elpa-eglot drives the real `rtlassist lsp` on the fixture design (editors_emacs.el).
# Skips cleanly when emacs or eglot is not installed.
# Usage: editors_emacs.sh RTLASSIST SOURCE_DIR
set -euo pipefail
bin=$1
src=$(cd "$2" && pwd)
elpa=/usr/share/emacs/site-lisp/elpa
if ! command -v emacs >/dev/null 2>&1 || ! ls -d "$elpa"/eglot-* >/dev/null 2>&1; then
  echo "skip: emacs or elpa-eglot is not installed"
  exit 0
fi
. "$(dirname "$0")/fixture_ws.bash"
export XDG_CONFIG_HOME=$work/xdg HOME=$work/home
mkdir -p "$HOME"
export RA_BIN=$bin RA_ROOT=$ws
timeout 300 emacs --batch -Q \
  --eval "(progn (add-to-list 'package-directory-list \"$elpa\") (package-initialize))" \
  -L "$src/editors/emacs" -l "$src/tests/e2e/editors_emacs.el" \
  -f ert-run-tests-batch-and-exit >"$work/ert.log" 2>&1 && status=0 || status=$?
passed=$(grep -c '^ *passed ' "$work/ert.log" || true)
failed=$(grep -c "^ *FAILED  [0-9]" "$work/ert.log" || true)
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  tail -n 200 "$work/ert.log"
  echo "FAIL: ERT (exit status $status)"
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
