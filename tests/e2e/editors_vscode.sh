#!/usr/bin/env bash
# The VS Code client (editors/vscode): type-checks and compiles the TypeScript, runs its unit
# tests with node's test runner (no VS Code needed) and packs the .vsix, all in a scratch copy
# so the source tree is left as it was. node_modules comes from `npm ci` in scripts/deps.sh.
# Skips cleanly when node or the installed packages are missing.
# Usage: editors_vscode.sh RTLASSIST SOURCE_DIR
set -euo pipefail
src=$(cd "$2" && pwd)
ext=$src/editors/vscode
if ! command -v node >/dev/null 2>&1 || [ ! -x "$ext/node_modules/.bin/tsc" ]; then
  echo "skip: node or editors/vscode/node_modules is missing (scripts/deps.sh installs them)"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ext"
cp -r "$ext/package.json" "$ext/package-lock.json" "$ext/tsconfig.json" "$ext/.vscodeignore" \
  "$ext/src" "$work/ext/"
# a real copy (hard links where possible): vsce's dependency listing does not follow a symlink
cp -al "$ext/node_modules" "$work/ext/node_modules" 2>/dev/null || cp -r "$ext/node_modules" "$work/ext/node_modules"
cd "$work/ext"
node_modules/.bin/tsc -p . || { echo "FAIL: tsc"; exit 1; }
node --test out/test/ 2>&1 | tee "$work/test.log" | grep -E '^not ok|^# (pass|fail)' || true
grep -q '^# fail 0$' "$work/test.log" && grep -q '^# pass [1-9]' "$work/test.log" \
  || { cat "$work/test.log"; echo "FAIL: unit tests"; exit 1; }
node_modules/.bin/vsce package --skip-license -o "$work/rtlassist.vsix" </dev/null >"$work/vsce.log" 2>&1 \
  || { cat "$work/vsce.log"; echo "FAIL: vsce package"; exit 1; }
python3 -c 'import sys, zipfile; [print(" " + n) for n in zipfile.ZipFile(sys.argv[1]).namelist()]' \
  "$work/rtlassist.vsix" >"$work/vsix.list"
for f in extension/package.json extension/out/extension.js extension/out/render.js \
  extension/node_modules/vscode-languageclient/package.json; do
  grep -q " $f\$" "$work/vsix.list" || { cat "$work/vsix.list"; echo "FAIL: $f not in the .vsix"; exit 1; }
done
if grep -q ' extension/out/test/' "$work/vsix.list"; then echo "FAIL: tests packed"; exit 1; fi
pass=$(sed -n 's/^# pass //p' "$work/test.log")
echo "$((pass + 1)) passed, 0 failed"
