#!/usr/bin/env bash
# Installs everything rtlassist needs to build, run and test on Debian 12, and does nothing when
# all of it is already present. Two parts:
#   1. Debian packages (apt-get; through sudo when not root).
#   2. Pinned npm tarballs fetched with `npm pack` (no install scripts run), checked against the
#      integrity hash below, and unpacked into $RA_DEPS_DIR (default: .deps/ in the source tree).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
deps_dir=${RA_DEPS_DIR:-$here/.deps}

# Build and runtime libraries, then what the test suite uses (real HDL, reference tools, clients).
apt_packages=(
  build-essential cmake pkg-config git
  libsqlite3-dev libfaiss-dev libopenblas-dev libcurl4-openssl-dev libjansson-dev libgit2-dev
  clang-format python3 time
  yosys ghdl-common ghdl universal-ctags graphviz neovim
  emacs-nox elpa-eglot
)

# name version integrity (as published in the registry's metadata)
npm_packages=(
  "tree-sitter 0.25.1 sha512-mrcEdkYtHfrK1A6fs3O6FxkBo0Qig5XUXqHhxUOQu0bmPo00QF4XaSx4edpazdHwxnSCjlGKGgIqWdaN4dvTLA=="
  "tree-sitter-systemverilog 0.4.1 sha512-JDRaC9mKBRT+qNWTYA4ydIYAIFWcJ23ONpD6ugZpCIKY7NZzEowl72ZsKoo0Nk8gS/U+CtVks5X97endIwnJRw=="
)

missing=()
# npm may come from outside Debian (its own node build); Debian's npm would clash with it.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$deps_dir"
for entry in "${npm_packages[@]}"; do
  read -r name version integrity <<<"$entry"
  dest="$deps_dir/$name-$version"
  [ -f "$dest/.ok" ] && continue
  tmp=$(mktemp -d)
  echo "deps: fetching $name@$version from npm"
  (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
  tgz=$(ls "$tmp"/*.tgz)
  actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");
    process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tgz")"
  if [ "$actual" != "$integrity" ]; then
    echo "deps: integrity mismatch for $name@$version" >&2
    echo "  expected $integrity" >&2
    echo "  got      $actual" >&2
    rm -rf "$tmp"
    exit 1
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  tar xzf "$tgz" -C "$dest" --strip-components=1
  touch "$dest/.ok"
  rm -rf "$tmp"
done

# The VS Code client's packages (editors/vscode, pinned by its package-lock.json, no install
# scripts run), again only when the lock file changed since the last install.
ext=$here/editors/vscode
if [ -f "$ext/package-lock.json" ]; then
  sum=$(sha256sum "$ext/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$ext/node_modules/.rtlassist-lock" 2>/dev/null)" != "$sum" ]; then
    echo "deps: npm ci in editors/vscode"
    (cd "$ext" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$sum" >"$ext/node_modules/.rtlassist-lock"
  fi
fi
