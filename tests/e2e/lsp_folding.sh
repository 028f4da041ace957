#!/usr/bin/env bash
# End-to-end: textDocument/foldingRange and textDocument/documentLink (lsp_folding.py).
# Usage: lsp_folding.sh RTLASSIST SOURCE_DIR
set -euo pipefail
exec python3 "$(dirname "$0")/lsp_folding.py" "$1" "$2"
