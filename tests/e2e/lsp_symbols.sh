#!/usr/bin/env bash
# End-to-end: documentSymbol replies (written as JSON text) on hostile names, nesting, syntax
# errors and non-UTF-8 files, in UTF-16 and UTF-8 columns (lsp_symbols.py).
# Usage: lsp_symbols.sh RTLASSIST SOURCE_DIR
set -euo pipefail
exec python3 "$(dirname "$0")/lsp_symbols.py" "$1" "$2"
