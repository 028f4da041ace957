# Sourced (not a test: CTest runs tests/e2e/*.sh) by the editor end-to-end tests: makes a
# scratch folder, removed on exit, holding a git workspace with the SystemVerilog fixture design.
# Sets: work (the scratch folder), ws (the workspace). Needs: src (the source tree).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ws=$work/ws
mkdir -p "$ws"
cp -r "$src/tests/fixtures/sv" "$ws/sv"
rm -f "$ws"/sv/*.golden
git -C "$ws" init -q
git -C "$ws" add -A
