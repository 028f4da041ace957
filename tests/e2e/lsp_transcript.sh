#!/usr/bin/env bash
# End-to-end: every LSP request over pipes against the real binary (lsp_transcript.py).
# Usage: lsp_transcript.sh RTLASSIST SOURCE_DIR
set -euo pipefail
exec python3 "$(dirname "$0")/lsp_transcript.py" "$1" "$2"
