#!/usr/bin/env bash
# End-to-end: the daemon's command-line and network side — query commands answered by the
# daemon byte for byte like the direct path, `index` through the daemon, the TCP listener and
# its token, autostart by `rtlassist lsp` and the idle exit. The cases are in daemon_cli.py.
# Usage: daemon_cli.sh RTLASSIST SOURCE_DIR
set -euo pipefail
exec python3 "$2/tests/e2e/daemon_cli.py" "$1" "$2"
