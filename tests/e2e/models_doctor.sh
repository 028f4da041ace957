#!/usr/bin/env bash
# models_doctor.sh BINARY SOURCE_DIR - `rtlassist doctor` reports whether the configured model
# servers answer: nothing configured (nothing contacted), a server that answers (the loopback
# model server, tests/tools/model_server.py), and one that is down (exit code 1).
set -euo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
cleanup() {
	exec 3>&- || true
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# the server exits when our end of its stdin closes (--exit-on-eof)
mkfifo "$tmp/in"
python3 "$src/tests/tools/model_server.py" --exit-on-eof <"$tmp/in" >"$tmp/port" &
pid=$!
exec 3>"$tmp/in"
for _ in $(seq 100); do
	[ -s "$tmp/port" ] && break
	sleep 0.1
done
port=$(head -1 "$tmp/port")
[ -n "$port" ] || { echo "model server did not start"; exit 1; }

mkdir "$tmp/ws"
out=$("$bin" doctor -C "$tmp/ws")
echo "$out"
grep -q "complete: none configured" <<<"$out"
grep -q "chat: none configured" <<<"$out"

cat >"$tmp/ws/.rtlassist.toml" <<EOF
[complete]
provider = "llamacpp"
url = "http://127.0.0.1:$port"
[chat]
provider = "ollama"
url = "http://127.0.0.1:$port"
model = "m"
EOF
out=$("$bin" doctor -C "$tmp/ws")
echo "$out"
grep -q "ok    complete: llamacpp/http://127.0.0.1:$port answers" <<<"$out"
grep -q "ok    chat: ollama/m answers" <<<"$out"

# port 1 on the loopback: nobody listens
sed -i "s|http://127.0.0.1:$port|http://127.0.0.1:1|" "$tmp/ws/.rtlassist.toml"
set +e
out=$("$bin" doctor -C "$tmp/ws")
code=$?
set -e
echo "$out"
[ "$code" -eq 1 ]
grep -q "FAIL  chat: ollama/m chat model http://127.0.0.1:1/api/tags" <<<"$out"
echo "models_doctor: ok"
