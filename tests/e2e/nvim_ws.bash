# Sourced (not a test: CTest runs tests/e2e/*.sh) by the headless-Neovim end-to-end tests
# (lsp_nvim.sh, editors_nvim.sh): skips the test when nvim is missing, else makes a scratch git
# workspace holding the SystemVerilog fixture design (removed on exit) and an isolated Neovim home.
# Sets: work (scratch root), ws (the workspace); exports XDG_* and RA_BIN, RA_ROOT, RA_OUT.
# Needs: bin (the rtlassist binary) and src (the source tree) set by the caller.
if ! command -v nvim >/dev/null 2>&1; then
  echo "skip: nvim is not installed"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ws=$work/ws
mkdir -p "$ws"
cp -r "$src/tests/fixtures/sv" "$ws/sv"
rm -f "$ws"/sv/*.golden
git -C "$ws" init -q
git -C "$ws" add -A
export XDG_CONFIG_HOME=$work/xdg XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
export RA_BIN=$bin RA_ROOT=$ws RA_OUT=$work/out.json
