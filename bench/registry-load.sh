#!/usr/bin/env bash
# Load benchmark of the registry server (`accord serve`) on loopback, with oha.
# Usage: bench/registry-load.sh [SECONDS] [CONNECTIONS]      (default 20 s, 64 connections)
#
# For each backend — SQLite always; PostgreSQL when $ACCORD_BENCH_POSTGRES names a
# server (default postgres://postgres@127.0.0.1:5432/postgres if `psql` reaches it) —
# it creates a fresh database, starts the server with `--rate-limit 0` (the per-token
# limit would otherwise answer 429), seeds $SYSTEMS systems (default 1,000) and
# $APPROVED approved filings (default 200) through the API, then runs oha for SECONDS
# at CONNECTIONS connections on each of:
#   GET  /api/v1/register                    public, 50 entries a page
#   GET  /api/v1/systems/{id}                provider token, ids 100–999 at random
#   GET  /api/v1/systems/{id}/assessment     provider token, the stored (cached) assessment
#   POST /api/v1/systems                     provider token, a YAML profile (examples/cv-screening.yaml)
# and checks the answers: every status 200 (201 for writes), and the systems table
# grew by the writes oha counted (plus at most CONNECTIONS cut at the deadline).
# The server and oha are both pinned (taskset) to $CPUS (default 0,1): on a 2-core
# machine they share the cores, so the figures include the load generator's cost.
#
# Env: ACCORD_BIN (default: target/release/accord, built here), CPUS, SYSTEMS, APPROVED, ID_REGEX,
#      ACCORD_BENCH_POSTGRES (admin URL; `none` skips PostgreSQL), PORT (default 18080).
# Needs: oha (`cargo install oha --locked`), python3, curl, taskset, psql (for PostgreSQL).
# Leaves oha's JSON reports and results.tsv in bench/out/registry/ (the databases are removed).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-20}"
conns="${2:-64}"
cpus="${CPUS:-0,1}"
port="${PORT:-18080}"
export SYSTEMS="${SYSTEMS:-1000}" APPROVED="${APPROVED:-200}"
ids="${ID_REGEX:-[1-9][0-9][0-9]}" # system ids read at random (100–999; needs SYSTEMS >= 999)
out=bench/out/registry
mkdir -p "$out"
rm -f "$out/rows.txt"

if [ -z "${ACCORD_BIN:-}" ]; then
  cargo build --release -q -p accord-cli
  ACCORD_BIN=target/release/accord
fi
command -v oha >/dev/null || cargo install oha --locked
echo "accord: $ACCORD_BIN ($("$ACCORD_BIN" --version)); $(oha --version); pinned to CPUs $cpus; ${secs}s x ${conns} connections"

pg_admin="${ACCORD_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
backends=(sqlite)
if [ "$pg_admin" != none ] && psql "$pg_admin" -qAtc 'select 1' >/dev/null 2>&1; then
  backends+=(postgres)
else
  echo "PostgreSQL not reachable at $pg_admin: skipped"
fi

server_pid=""
pg_db=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

count_systems() { # URL
  case "$1" in
    sqlite://*) python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from systems").fetchone()[0])' "${1#sqlite://}" ;;
    *) psql "$1" -qAtc 'select count(*) from systems' ;;
  esac
}

# CPU seconds (user+system) a process has used so far.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$1/stat"; }
# CPU seconds (user+system+irq) the whole machine has been busy so far: the server,
# oha, PostgreSQL, and anything else running (which the table then shows).
busy_cpu() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat; }

results="$out/results.tsv"
printf 'backend\troute\trequests\treq_per_s\tp50_ms\tp99_ms\tmax_ms\tstatuses\tserver_cpu_s\toha_cpu_s\tall_cpu_s\n' > "$results"

for backend in "${backends[@]}"; do
  if [ "$backend" = sqlite ]; then
    rm -f "$out"/registry.db*
    url="sqlite://$PWD/$out/registry.db"
  else
    pg_db="accord_bench_$$"
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
    psql "$pg_admin" -qc "CREATE DATABASE $pg_db" >/dev/null
    url="${pg_admin%/*}/$pg_db"
  fi
  echo "== $backend: $url"
  provider=$("$ACCORD_BIN" token create --database "$url" --role provider --name bench-provider --organisation "Bench Ltd" 2>/dev/null | tail -1)
  reviewer=$("$ACCORD_BIN" token create --database "$url" --role reviewer --name bench-reviewer --jurisdiction EU 2>/dev/null | tail -1)
  taskset -c "$cpus" "$ACCORD_BIN" serve --database "$url" --bind "127.0.0.1:$port" --rate-limit 0 2> "$out/server-$backend.log" &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null

  # Seed through the API (8 client threads), checking every answer.
  PORT="$port" PROVIDER="$provider" REVIEWER="$reviewer" python3 - <<'PY'
import http.client, json, os, sys, threading, time
port, provider, reviewer = int(os.environ["PORT"]), os.environ["PROVIDER"], os.environ["REVIEWER"]
n_systems, n_approved = int(os.environ["SYSTEMS"]), int(os.environ["APPROVED"])
examples = sorted(f for f in os.listdir("examples") if f.endswith(".yaml"))
texts = [open(os.path.join("examples", f), encoding="utf-8").read() for f in examples]
def renamed(text, name):
    lines = text.split("\n")
    for i, l in enumerate(lines):
        if l.startswith("name: "):
            lines[i] = "name: " + name
            break
    return "\n".join(lines)
local = threading.local()
def call(method, path, token, body=None, ctype="application/json"):
    if not hasattr(local, "c"):
        local.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"Authorization": "Bearer " + token}
    if body is not None:
        h["Content-Type"] = ctype
    local.c.request(method, path, body=body.encode() if body is not None else None, headers=h)
    r = local.c.getresponse()
    return r.status, r.read()
def expect(status, want, what, body):
    if status != want:
        sys.exit(f"{what}: {status} (expected {want}): {body[:300]!r}")
ids, lock = [], threading.Lock()
def make(range_):
    for i in range_:
        s, b = call("POST", "/api/v1/systems", provider, renamed(texts[i % len(texts)], f"Bench system {i}"), "application/yaml")
        expect(s, 201, "POST /systems", b)
        with lock:
            ids.append(json.loads(b)["id"])
t0 = time.time()
threads = [threading.Thread(target=make, args=(range(k, n_systems, 8),)) for k in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
if len(ids) != n_systems:
    sys.exit(f"seeded {len(ids)} systems, not {n_systems}")
t1 = time.time()
def approve(some):
    for sid in some:
        s, b = call("POST", f"/api/v1/systems/{sid}/filings", provider, json.dumps({"jurisdiction": "EU"}))
        expect(s, 201, "POST /filings", b)
        fid = json.loads(b)["id"]
        s, b = call("POST", f"/api/v1/filings/{fid}/transitions", reviewer, json.dumps({"to": "approved", "comment": "bench"}))
        expect(s, 200, "approve", b)
chosen = sorted(ids)[:n_approved]
threads = [threading.Thread(target=approve, args=(chosen[k::8],)) for k in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
t2 = time.time()
s, b = call("GET", "/api/v1/register", provider)
expect(s, 200, "GET /register", b)
page = json.loads(b)
if len(page["items"]) != min(50, n_approved):
    sys.exit(f"the register shows {len(page['items'])} entries")
print(f"seeded {n_systems} systems in {t1 - t0:.1f} s ({n_systems / (t1 - t0):.0f}/s with 8 clients), "
      f"{n_approved} filings approved in {t2 - t1:.1f} s; register page: {len(b)} bytes, "
      f"ids {min(ids)}..{max(ids)}")
PY

  base="http://127.0.0.1:$port"
  run() { # SLUG ROUTE-LABEL WANT-STATUS oha-args...
    local slug="$1" label="$2" want="$3"; shift 3
    local json="$out/oha-$backend-$slug.json"
    local before after all_before all_after
    before=$(cpu_of "$server_pid"); all_before=$(busy_cpu)
    /usr/bin/time -f '%U %S' -o "$out/oha.time" \
      taskset -c "$cpus" oha --no-tui --output-format json -z "${secs}s" -c "$conns" "$@" > "$json"
    after=$(cpu_of "$server_pid"); all_after=$(busy_cpu)
    python3 - "$json" "$backend" "$label" "$want" "$before" "$after" "$out/oha.time" "$all_before" "$all_after" >> "$results" <<'PY'
import json, sys
path, backend, label, want, before, after, tfile, all_before, all_after = sys.argv[1:]
r = json.load(open(path))
s = r["summary"]; p = r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
errors = r.get("errorDistribution", {})
total = sum(codes.values())
bad = {k: v for k, v in codes.items() if k != want}
# Requests still in flight at the deadline are reported as errors: allowed, at most one per connection.
cut = sum(v for k, v in errors.items() if "deadline" in k)
other = {k: v for k, v in errors.items() if "deadline" not in k}
u, sy = open(tfile).read().split()
status = ",".join(f"{k}:{v}" for k, v in sorted(codes.items()))
print(f"{backend}\t{label}\t{total}\t{s['requestsPerSec']:.0f}\t{p['p50']*1000:.2f}\t{p['p99']*1000:.2f}\t{s['slowest']*1000:.1f}"
      f"\t{status}{' cut:' + str(cut) if cut else ''}\t{float(after) - float(before):.1f}"
      f"\t{float(u) + float(sy):.1f}\t{float(all_after) - float(all_before):.1f}")
if bad or other or total == 0:
    sys.exit(f"{backend} {label}: unexpected answers {bad} errors {other}")
PY
    tail -1 "$results"
  }
  auth=(-H "Authorization: Bearer $provider")
  run register "GET /register" 200 "$base/api/v1/register"
  run system "GET /systems/{id}" 200 "${auth[@]}" --rand-regex-url "http://127.0.0.1:$port/api/v1/systems/$ids"
  run assessment "GET /systems/{id}/assessment" 200 "${auth[@]}" --rand-regex-url "http://127.0.0.1:$port/api/v1/systems/$ids/assessment"
  rows_before=$(count_systems "$url")
  run create "POST /systems" 201 "${auth[@]}" -m POST -T application/yaml -D examples/cv-screening.yaml "$base/api/v1/systems"
  rows_after=$(count_systems "$url")
  acked=$(tail -1 "$results" | cut -f3)
  added=$((rows_after - rows_before))
  echo "$backend: systems table grew by $added rows; oha counted $acked 201s"
  if [ "$added" -lt "$acked" ] || [ "$added" -gt $((acked + conns)) ]; then
    echo "row count does not match the acknowledged writes" >&2
    exit 1
  fi
  echo "$backend: the systems table grew by $added for $acked acknowledged writes" >> "$out/rows.txt"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  if [ "$backend" = sqlite ]; then
    rm -f "$out"/registry.db*   # about 1 GB after the write run
  fi
  if [ "$backend" = postgres ]; then
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null; pg_db=""
  fi
done
echo
column -t -s $'\t' "$results"
