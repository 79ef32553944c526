#!/usr/bin/env bash
# npm run demo:windows: the seed scenario under Wine, told by the Windows node.exe running our CLI
# (`servicepack demo --pe-dir ...`) with the mingw-built DLLs and perfhost.exe of scripts/setup-windows.sh,
# which this runs first (idempotent; about a minute the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
cache=$PWD/.cache/windows
./scripts/setup-windows.sh >/dev/null
npm run build --silent
cp dist/bundle/*.js "$cache/app/"
export WINEPREFIX=$cache/prefix WINEDEBUG=-all
winpath() { printf 'Z:%s' "${1//\//\\}"; }
# node.exe's stdout must be a file or a terminal, never a pipe: write to a file and show it as it grows.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd "$cache/app" && wine "$cache/node/node.exe" servicepack.js demo --pe-dir "$(winpath "$cache/pe")" "$@" >"$log" 2>&1) &
demo=$!
tail -n +1 -f --pid="$demo" "$log" | tr -d '\r'
wait "$demo"
