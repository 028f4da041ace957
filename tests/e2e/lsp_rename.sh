#!/usr/bin/env bash
# End-to-end: textDocument/prepareRename and rename over a SystemVerilog + VHDL workspace, the
# edits applied and compared, and the refusals (lsp_rename.py).
# Usage: lsp_rename.sh RTLASSIST SOURCE_DIR
set -euo pipefail
exec python3 "$(dirname "$0")/lsp_rename.py" "$1" "$2"
