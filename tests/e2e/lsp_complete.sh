#!/usr/bin/env bash
# End-to-end: model completion over the LSP against the loopback model server (lsp_complete.py).
# Usage: lsp_complete.sh RTLASSIST SOURCE_DIR
set -euo pipefail
exec python3 "$(dirname "$0")/lsp_complete.py" "$1" "$2"
