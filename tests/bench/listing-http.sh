#!/usr/bin/env bash
# The listing over HTTP, before and after: two stakebid binaries serve the
# same copy of a store (the previous-main sled fixture) one after the
# other, and wrk reads five views from each (the auctions page, one
# auction, one intent, an owner's page, the stats), same machine, same run.
#   bash tests/bench/listing-http.sh OLD_STAKEBID NEW_STAKEBID [seconds]
set -euo pipefail
old="$1"; new="$2"; secs="${3:-8}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixture="$root/auction/node/tests/fixtures/previous-main"
command -v wrk >/dev/null || { echo "wrk is needed (Debian package wrk)"; exit 1; }
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
intent=$(python3 -c "import json,sys; d=json.load(open('$fixture/expected-sled.json')); print(sorted(k for k in d if k.startswith('/v1/intents/'))[0])")
owner=$(python3 -c "import json,sys; d=json.load(open('$fixture/expected-sled.json')); print(d['$intent']['intent']['owner'])")
paths=("/v1/auctions?limit=20" "/v1/auctions/1" "$intent" "/v1/owners/$owner/intents" "/v1/stats")
printf '| view | %s req/s | %s req/s | change |\n|---|---|---|---|\n' before after
declare -A rps
for which in old new; do
  bin=${!which}
  rm -rf "$work/store"; cp -r "$fixture/sled" "$work/store"
  p=$(port)
  "$bin" node --data-dir "$work/store" --no-auctions --http "127.0.0.1:$p" 2>"$work/$which.log" &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$p/v1/health" >/dev/null && break; sleep 0.2; done
  for path in "${paths[@]}"; do
    curl -sf "http://127.0.0.1:$p$path" >/dev/null || { echo "$which: $path does not answer"; exit 1; }
    r=$(wrk -t1 -c16 -d"${secs}s" "http://127.0.0.1:$p$path" | awk '/Requests\/sec/ {print $2}')
    rps["$which $path"]=$r
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
for path in "${paths[@]}"; do
  o=${rps["old $path"]}; n=${rps["new $path"]}
  printf '| `%s` | %s | %s | %+.1f %% |\n' "${path:0:40}" "$o" "$n" "$(python3 -c "print(($n/$o-1)*100)")"
done
