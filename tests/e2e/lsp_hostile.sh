#!/usr/bin/env bash
# End-to-end: hostile input to `rtlassist lsp`, each followed by a valid request (lsp_hostile.py).
# Usage: lsp_hostile.sh RTLASSIST SOURCE_DIR
set -euo pipefail
exec python3 "$(dirname "$0")/lsp_hostile.py" "$1" "$2"
