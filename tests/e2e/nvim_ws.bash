# Sourced (not a test: CTest runs tests/e2e/*.sh) by the headless-Neovim end-to-end tests
# (lsp_nvim.sh, editors_nvim.sh): skips the test when nvim is missing, else makes the fixture
# workspace (fixture_ws.bash) and an isolated Neovim home.
# Sets: work, ws; exports XDG_* and RA_BIN, RA_ROOT, RA_OUT.
# Needs: bin (the rtlassist binary) and src (the source tree) set by the caller.
if ! command -v nvim >/dev/null 2>&1; then
  echo "skip: nvim is not installed"
  exit 0
fi
. "$(dirname "${BASH_SOURCE[0]}")/fixture_ws.bash"
export XDG_CONFIG_HOME=$work/xdg XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
export RA_BIN=$bin RA_ROOT=$ws RA_OUT=$work/out.json
