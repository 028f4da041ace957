#!/usr/bin/env bash
# End-to-end: `rtlassist serve` (the workspace daemon) driven through its real interfaces — the
# Unix socket, `rtlassist lsp` attached to it, `rtlassist status/stop` and the query commands.
# The cases are in daemon_e2e.py; see there.
# Usage: daemon.sh RTLASSIST SOURCE_DIR
set -euo pipefail
exec python3 "$2/tests/e2e/daemon_e2e.py" "$1" "$2"
