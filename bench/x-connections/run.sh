#!/usr/bin/env bash
# bench/x-connections: client CPU of X posts over https, an agent per account against the isolate's
# shared agent (see bench.ts). A throwaway self-signed certificate for localhost; the platform on a
# loopback port, trusted (DENO_CERT) and allow-listed (EGRESS_ALLOWED_HOSTS) as an operator would.
#   bash bench/x-connections/run.sh       (BENCH_POSTS=2000, BENCH_IN_FLIGHT=25)
set -euo pipefail
source "$(dirname "$0")/../../dev/lib.sh"
cd "$ROOT"
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
# a throwaway CA (trusted by the client) and the server's certificate for localhost, signed by it
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
  -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -keyout "$dir/key.pem" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$dir/ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
  -days 1 -extfile "$dir/ext" -out "$dir/cert.pem" 2>/dev/null
"$DENO" run --quiet -A bench/x-connections/server.ts "$dir/cert.pem" "$dir/key.pem" >"$dir/port" &
server=$!
while [ ! -s "$dir/port" ]; do sleep 0.1; done
port=$(head -1 "$dir/port")
DENO_CERT="$dir/ca.pem" EGRESS_ALLOWED_HOSTS="localhost:$port" BENCH_X_BASE="https://localhost:$port" \
  "$DENO" run --quiet -A bench/x-connections/bench.ts
