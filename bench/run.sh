#!/usr/bin/env bash
# standin benchmark harness (not a test: `cargo test` never runs this).
#
#   bash bench/run.sh                # every section
#   bash bench/run.sh directory      # only the named section(s): foundation, directory,
#                                    # forward-auth, identity
#   SKIP_BUILD=1 DURATION=5s bash bench/run.sh identity   # standin next to stack-floor
#
# Environment knobs (all optional):
#   DURATION=10s      wrk duration per endpoint (anything wrk's -d accepts)
#   CONNECTIONS=32    wrk connections (foundation, forward-auth, identity)
#   THREADS=2         wrk threads (foundation, forward-auth, identity)
#   DIR_USERS=100000  users seeded by the directory and identity sections
#   DIR_CONNECTIONS=4 wrk connections for the directory list pages (latency)
#   DIR_THREADS=2     wrk threads for the directory list pages
#   PUT_CONNECTIONS=64 wrk connections for the PUT loads (directory, identity)
#   PUT_THREADS=2     wrk threads for the PUT loads (directory, identity)
#   FA_ROUNDS=2       forward-auth: rounds of me then forward auth, side by side
#   DIR_TIMEOUT=30s   wrk --timeout in the directory section, the identity PUT loads
#                     and the login storm (wrk drops timed-out requests from its
#                     latency figures, so keep it above the slowest)
#   ID_ROUNDS=2       identity: rounds of floor me, me and forward auth, then rounds
#                     of floor PUT and PUT, side by side
#   STORM_CONNECTIONS=32 identity: connections of the login storm (wrk -t1)
#   STORM_USERS=32    identity: users storm1..stormN the storm logs in as, round-robin
#                     (the login throttle allows 5 attempts in flight per username)
#   FLOOR_DIR=../shared/bench/stack-floor  identity: the stack-floor crate (beside
#                     the repository)
#   FLOOR_TARGET=/tmp/tgt_floor  identity: CARGO_TARGET_DIR for stack-floor
#   SKIP_BUILD=1      use the existing target/release/standin as is (and stack-floor's
#                     binary, when it exists)
#   KEEP_TMP=1        keep the temporary directory (database, server log)
#   STRICT=1          exit 1 when a target is missed (default: report only)
#
# The summary is printed at the end and written to bench/out/summary.txt.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
OUT_DIR="$SCRIPT_DIR/out"
BIN="$REPO_ROOT/target/release/standin"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
STRICT="${STRICT:-0}"
DIR_USERS="${DIR_USERS:-100000}"
DIR_CONNECTIONS="${DIR_CONNECTIONS:-4}"
DIR_THREADS="${DIR_THREADS:-2}"
PUT_CONNECTIONS="${PUT_CONNECTIONS:-64}"
PUT_THREADS="${PUT_THREADS:-2}"
DIR_TIMEOUT="${DIR_TIMEOUT:-30s}"

# Targets (see bench/README.md).
TARGET_ME_RATIO_PCT=30     # me requests/s >= 30 % of health requests/s
TARGET_P99_MS=5            # p99 < 5 ms at 32 connections
TARGET_IDLE_RSS_MIB=15     # idle RSS <= 15 MiB
TARGET_BIN_MIB=15          # stripped binary <= 15 MiB
TARGET_READY_MS=100        # ready <= 100 ms after start
TARGET_LIST_P50_MS=5       # directory: p50 <= 5 ms for each users list page
TARGET_PUT_RPS=5000        # directory: PUT >= 5 000 requests/s at 64 connections
TARGET_PUT_P99_MS=50       # directory: PUT p99 <= 50 ms
TARGET_DIR_RSS_MIB=64      # directory: peak RSS (VmHWM) <= 64 MiB with 100 000 users
TARGET_FA_RATIO_PCT=100    # forward auth: requests/s >= me's in the same run
FA_ROUNDS="${FA_ROUNDS:-2}"
TARGET_ID_FLOOR_RATIO_PCT=80   # identity: me requests/s >= 80 % of stack-floor's /me
TARGET_ID_P99_MS=5             # identity: me p99 <= 5 ms in every round
TARGET_STORM_P99_RATIO=2.0     # identity: me p99 during a login storm <= 2 x quiet
TARGET_STORM_RSS_MIB=64        # identity: peak RSS (VmHWM) over the login storm
TARGET_ID_PUT_RATIO_PCT=82     # identity: PUT requests/s >= 82 % of stack-floor's PUT
TARGET_ID_PUT_P99_PCT=35       # identity: PUT p99 <= 35 % of stack-floor's (21 ms against 60)
ID_ROUNDS="${ID_ROUNDS:-2}"
STORM_CONNECTIONS="${STORM_CONNECTIONS:-32}"
STORM_USERS="${STORM_USERS:-32}"
FLOOR_DIR="${FLOOR_DIR:-$REPO_ROOT/../shared/bench/stack-floor}"
FLOOR_TARGET="${FLOOR_TARGET:-/tmp/tgt_floor}"
FLOOR_PORT=9911            # fixed in stack-floor
FLOOR_USERS=100000         # stack-floor seeds users 1..100000 on its first start

BOOTSTRAP_PASSWORD="bench-$(date +%s)-$$-Passw0rd"
STORM_PASSWORD="storm-$(date +%s)-$$-Passw0rd"

TMP=""
SERVER_PID=""
FLOOR_PID=""
STORM_PID=""
SAMPLER_PID=""
MISSED=0
SUMMARY_ROWS=()   # "metric|value|target|result"

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'bench: FAILED: %s\n' "$*" >&2
    if [[ -n "$TMP" && -f "$TMP/server.log" ]]; then
        printf -- '--- last lines of the server log (%s) ---\n' "$TMP/server.log" >&2
        tail -n 30 "$TMP/server.log" >&2 || true
    fi
    exit 1
}

cleanup() {
    local rc=$?
    stop_storm
    stop_server
    stop_floor
    if [[ -n "$TMP" && -d "$TMP" ]]; then
        if [[ "${KEEP_TMP:-0}" == 1 || $rc -ne 0 ]]; then
            printf 'bench: temporary files kept in %s\n' "$TMP" >&2
        else
            rm -rf "$TMP"
        fi
    fi
    exit $rc
}

stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

# row METRIC VALUE [TARGET OK]: OK is 1 (PASS) or 0 (FAIL, counted as missed);
# without a target the row is informational.
row() {
    local result="-"
    if [[ $# -ge 4 ]]; then
        if [[ "$4" == 1 ]]; then result=PASS; else result=FAIL; MISSED=$((MISSED + 1)); fi
    fi
    SUMMARY_ROWS+=("$1|$2|${3:--}|$result")
}

# Floating point comparison: fcmp "a <= b" -> 1 / 0
fcmp() { awk "BEGIN { print (($1) ? 1 : 0) }"; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
now_s() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# ---------------------------------------------------------------------------
# setup
# ---------------------------------------------------------------------------

ensure_tools() {
    command -v curl >/dev/null || die "curl is required"
    command -v python3 >/dev/null || die "python3 is required"
    if ! command -v wrk >/dev/null; then
        log "wrk not found: installing it with apt-get"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y wrk
        command -v wrk >/dev/null || die "wrk still missing after apt-get install"
    fi
}

build_release() {
    if [[ "${SKIP_BUILD:-0}" == 1 ]]; then
        log "SKIP_BUILD=1: using the existing $BIN"
    else
        log "building the release binary (cargo build --release)"
        (cd "$REPO_ROOT" && cargo build --release) || die "cargo build --release failed"
    fi
    [[ -x "$BIN" ]] || die "$BIN not found"
}

# start_server DBPATH PORT: starts standin, waits for /-/health/ready/ to answer 204
# and sets SERVER_PID and READY_MS. The clock starts just before the process is
# spawned (a python3 launcher does spawn + socket polling every 2 ms, so the
# measurement does not include the poller's own start-up).
start_server() {
    local db="$1" port="$2"
    local launch_out
    launch_out="$(
        env -u RUST_LOG \
            STANDIN_BOOTSTRAP_PASSWORD="$BOOTSTRAP_PASSWORD" \
            STANDIN_LOG__LEVEL=warn \
            python3 - "$BIN" "$db" "127.0.0.1:$port" "$TMP/server.log" <<'EOF'
import os, socket, subprocess, sys, time

binary, db, listen, logfile = sys.argv[1:5]
host, port = listen.rsplit(":", 1)
port = int(port)
request = ("GET /-/health/ready/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % listen).encode()

log = open(logfile, "wb")
t0 = time.monotonic()
proc = subprocess.Popen(
    [binary, "--database", db, "--listen", listen],
    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    start_new_session=True,
)
deadline = t0 + 30.0
status = None
while time.monotonic() < deadline:
    if proc.poll() is not None:
        print("EXITED %d %d" % (proc.pid, proc.returncode))
        sys.exit(0)
    try:
        with socket.create_connection((host, port), timeout=1.0) as s:
            s.sendall(request)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            line = data.split(b"\r\n", 1)[0].split()
            status = int(line[1]) if len(line) > 1 else None
            if status == 204:
                ms = (time.monotonic() - t0) * 1000.0
                print("READY %d %.1f" % (proc.pid, ms))
                sys.exit(0)
    except (ConnectionRefusedError, ConnectionResetError, socket.timeout, OSError):
        pass
    time.sleep(0.002)
print("TIMEOUT %d %s" % (proc.pid, status))
EOF
    )" || die "the launcher failed: $launch_out"
    local state pid value
    read -r state pid value <<<"$launch_out"
    SERVER_PID="$pid"
    case "$state" in
        READY) READY_MS="$value" ;;
        EXITED) SERVER_PID=""; die "standin exited during start-up with status $value" ;;
        TIMEOUT) die "standin did not answer 204 on /-/health/ready/ within 30 s (last status: $value)" ;;
        *) die "unexpected launcher output: $launch_out" ;;
    esac
}

# login PORT: sets SESSION_COOKIE from POST /api/v3/auth/login/ (fails unless 200).
login() {
    local port="$1" code
    code="$(curl -sS -o "$TMP/login.json" -w '%{http_code}' \
        -c "$TMP/cookies.txt" \
        -H 'Content-Type: application/json' \
        --data "{\"username\":\"admin\",\"password\":\"$BOOTSTRAP_PASSWORD\"}" \
        "http://127.0.0.1:$port/api/v3/auth/login/")" || die "login request failed (curl error)"
    if [[ "$code" != 200 ]]; then
        die "POST /api/v3/auth/login/ returned $code (expected 200): $(head -c 500 "$TMP/login.json")"
    fi
    # Netscape cookie jar: HttpOnly cookies are prefixed with "#HttpOnly_"; field 6 is the name.
    SESSION_COOKIE="$(awk -F'\t' '$6 == "standin_session" { print $7 }' "$TMP/cookies.txt" | tail -n 1)"
    [[ -n "$SESSION_COOKIE" ]] || die "login returned 200 but set no standin_session cookie"
    code="$(curl -sS -o "$TMP/me.json" -w '%{http_code}' \
        -H "Cookie: standin_session=$SESSION_COOKIE" \
        "http://127.0.0.1:$port/api/v3/core/users/me/")" || die "GET me failed (curl error)"
    [[ "$code" == 200 ]] || die "GET /api/v3/core/users/me/ with the session cookie returned $code: $(head -c 500 "$TMP/me.json")"
}

# wrk_ms FILE PERCENTILE: that line of wrk's --latency distribution in milliseconds
# ("     99%    1.23ms"; wrk prints us, ms, s or m).
wrk_ms() {
    awk -v p="$2" '$1 == p {
        v = $2; u = v; sub(/[0-9.]+/, "", u); n = v + 0;
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        printf "%.3f", n }' "$1"
}

# wrk_run NAME THREADS CONNECTIONS URL [MORE WRK ARGS...]: runs wrk --latency into
# $OUT_DIR/wrk-NAME.txt and sets WRK_RPS, WRK_REQUESTS, WRK_P50_MS, WRK_P99_MS,
# WRK_NON2XX and WRK_ERRORS (wrk's "Socket errors" text, empty when there were none).
# MORE WRK ARGS may hold options (-H, -s) and, after `--`, the script's arguments.
wrk_run() {
    local name="$1" threads="$2" conns="$3" url="$4"
    shift 4
    local out="$OUT_DIR/wrk-$name.txt"
    log "wrk $name: -t $threads -c $conns -d $DURATION --latency $url"
    wrk -t "$threads" -c "$conns" -d "$DURATION" --latency "$url" "$@" >"$out" 2>&1 \
        || die "wrk failed for $name: $(cat "$out")"
    wrk_parse "$name" "$out"
}

# wrk_parse NAME FILE: sets the WRK_* figures of wrk_run from wrk's output in FILE
# (for wrk runs started elsewhere, e.g. in the background).
wrk_parse() {
    local name="$1" out="$2"
    WRK_RPS="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    WRK_REQUESTS="$(awk '/ requests in / { print $1 }' "$out")"
    WRK_P50_MS="$(wrk_ms "$out" 50%)"
    WRK_P99_MS="$(wrk_ms "$out" 99%)"
    WRK_NON2XX="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    WRK_NON2XX="${WRK_NON2XX:-0}"
    WRK_ERRORS="$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$out")"
    [[ -n "$WRK_RPS" && -n "$WRK_P99_MS" ]] || die "could not parse wrk output for $name (see $out)"
    if [[ "$WRK_NON2XX" != 0 ]]; then
        log "WARNING: $name: $WRK_NON2XX non-2xx/3xx responses during the run"
    fi
    if [[ -n "$WRK_ERRORS" ]]; then
        log "WARNING: $name: socket errors: $WRK_ERRORS"
    fi
}

# run_wrk NAME URL [HEADER]: wrk_run with THREADS and CONNECTIONS (foundation).
run_wrk() {
    local name="$1" url="$2" header="${3:-}"
    if [[ -n "$header" ]]; then
        wrk_run "$name" "$THREADS" "$CONNECTIONS" "$url" -H "$header"
    else
        wrk_run "$name" "$THREADS" "$CONNECTIONS" "$url"
    fi
}

# ---------------------------------------------------------------------------
# section 1: foundation (empty directory: the bootstrap admin only)
# ---------------------------------------------------------------------------

bench_foundation() {
    log "section foundation: fresh database in $TMP, log level warn (access log off)"

    local size_bytes size_mib
    size_bytes="$(stat -c %s "$BIN")"
    size_mib="$(awk -v b="$size_bytes" 'BEGIN { printf "%.2f", b / 1048576 }')"
    row "binary size (stripped)" "$size_mib MiB ($size_bytes B)" "<= $TARGET_BIN_MIB MiB" \
        "$(fcmp "$size_bytes <= $TARGET_BIN_MIB * 1048576")"

    local port
    port="$(free_port)"
    start_server "$TMP/standin.db" "$port"
    log "ready after $READY_MS ms (pid $SERVER_PID, port $port)"
    row "ready after start" "$READY_MS ms" "<= $TARGET_READY_MS ms" \
        "$(fcmp "$READY_MS <= $TARGET_READY_MS")"

    sleep 1   # let start-up work settle before reading the idle RSS
    local idle_kib
    idle_kib="$(rss_kib "$SERVER_PID")"
    row "idle RSS" "$(kib_to_mib "$idle_kib") MiB" "<= $TARGET_IDLE_RSS_MIB MiB" \
        "$(fcmp "$idle_kib <= $TARGET_IDLE_RSS_MIB * 1024")"

    login "$port"
    log "logged in as admin (standin_session cookie, ${#SESSION_COOKIE} chars)"
    # One argon2id verification (m = 19 MiB by default) has run by now.
    row "RSS after login" "$(kib_to_mib "$(rss_kib "$SERVER_PID")") MiB"

    run_wrk health "http://127.0.0.1:$port/-/health/live/"
    local h_rps="$WRK_RPS" h_p99="$WRK_P99_MS" h_bad="$WRK_NON2XX"
    row "health/live req/s" "$h_rps"
    row "health/live p99" "$h_p99 ms" "< $TARGET_P99_MS ms" \
        "$(fcmp "$h_p99 < $TARGET_P99_MS")"
    [[ "$h_bad" == 0 ]] || row "health/live non-2xx" "$h_bad" "0" 0

    run_wrk me "http://127.0.0.1:$port/api/v3/core/users/me/" "Cookie: standin_session=$SESSION_COOKIE"
    local m_rps="$WRK_RPS" m_p99="$WRK_P99_MS" m_bad="$WRK_NON2XX"
    row "users/me req/s" "$m_rps"
    row "users/me p99" "$m_p99 ms" "< $TARGET_P99_MS ms" \
        "$(fcmp "$m_p99 < $TARGET_P99_MS")"
    [[ "$m_bad" == 0 ]] || row "users/me non-2xx" "$m_bad" "0" 0

    local ratio
    ratio="$(awk -v m="$m_rps" -v h="$h_rps" 'BEGIN { printf "%.1f", (h > 0 ? 100 * m / h : 0) }')"
    row "me / health req/s" "$ratio %" ">= $TARGET_ME_RATIO_PCT %" \
        "$(fcmp "$ratio >= $TARGET_ME_RATIO_PCT")"

    local after_kib
    after_kib="$(rss_kib "$SERVER_PID")"
    row "RSS after load" "$(kib_to_mib "$after_kib") MiB"

    kill -0 "$SERVER_PID" 2>/dev/null || die "standin died during the benchmark"
    stop_server
}

# ---------------------------------------------------------------------------
# section: forward-auth (the nginx auth_request check next to me, same settings)
# ---------------------------------------------------------------------------

# Alternates `me` and the forward-auth check FA_ROUNDS times on one server with the
# same wrk settings, so the two are compared on the same machine state.
bench_forward-auth() {
    log "section forward-auth: $FA_ROUNDS rounds of me then /outpost.goauthentik.io/auth/nginx"
    local port
    port="$(free_port)"
    start_server "$TMP/forward-auth.db" "$port"
    login "$port"
    local cookie="Cookie: standin_session=$SESSION_COOKIE"
    local code
    code="$(curl -sS -o /dev/null -w '%{http_code}' -H "$cookie" \
        -H 'X-Original-URL: https://app.example.com/page' \
        "http://127.0.0.1:$port/outpost.goauthentik.io/auth/nginx")"
    [[ "$code" == 200 ]] || die "forward auth with the session cookie returned $code (expected 200)"
    local round me_sum=0 fa_sum=0
    for round in $(seq 1 "$FA_ROUNDS"); do
        wrk_run "fa-me-$round" "$THREADS" "$CONNECTIONS" \
            "http://127.0.0.1:$port/api/v3/core/users/me/" -H "$cookie"
        row "round $round: me req/s (p99)" "$WRK_RPS ($WRK_P99_MS ms)"
        me_sum="$(awk -v a="$me_sum" -v b="$WRK_RPS" 'BEGIN { print a + b }')"
        wrk_run "fa-nginx-$round" "$THREADS" "$CONNECTIONS" \
            "http://127.0.0.1:$port/outpost.goauthentik.io/auth/nginx" -H "$cookie" \
            -H 'X-Original-URL: https://app.example.com/page'
        row "round $round: forward auth req/s (p99)" "$WRK_RPS ($WRK_P99_MS ms)"
        [[ "$WRK_NON2XX" == 0 ]] || row "round $round: forward auth non-2xx" "$WRK_NON2XX" "0" 0
        fa_sum="$(awk -v a="$fa_sum" -v b="$WRK_RPS" 'BEGIN { print a + b }')"
    done
    local ratio
    ratio="$(awk -v f="$fa_sum" -v m="$me_sum" 'BEGIN { printf "%.1f", (m > 0 ? 100 * f / m : 0) }')"
    row "forward auth / me req/s" "$ratio %" ">= $TARGET_FA_RATIO_PCT %" \
        "$(fcmp "$ratio >= $TARGET_FA_RATIO_PCT")"
    stop_server
}

# ---------------------------------------------------------------------------
# section 2: directory (DIR_USERS seeded users with groups and roles)
# ---------------------------------------------------------------------------

# get_check NAME PATH: one GET of PATH with the session cookie. Returns 0 on 200 (the
# body is in $TMP/check-NAME.json); otherwise prints the exact request and response,
# adds a FAIL row and returns 1.
get_check() {
    local name="$1" path="$2" port="$3" code
    code="$(curl -sS -o "$TMP/check-$name.json" -w '%{http_code}' \
        -H "Cookie: standin_session=$SESSION_COOKIE" \
        "http://127.0.0.1:$port$path")" || code="curl-error"
    [[ "$code" == 200 ]] && return 0
    check_failed "GET $path (Cookie: standin_session=...)" "$code" "$TMP/check-$name.json" \
        "dir: $name answer"
}

# check_failed REQUEST CODE FILE ROW: reports a checked request that did not answer
# 200 (REQUEST answered CODE, the answer is in FILE) with a FAIL row ROW; returns 1.
check_failed() {
    log "ERROR: $1 answered $2:"
    head -c 2000 "$3" >&2 || true
    printf '\n' >&2
    row "$4" "HTTP $2" "200" 0
    return 1
}

# json_count FILE: the `pagination.count` of a list answer.
json_count() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pagination"]["count"])' "$1"
}

# seed_value KEY: a `key value` line printed by seed_directory.py.
seed_value() { awk -v k="$1" '$1 == k { print $2 }' <<<"$SEED_OUT"; }

# bench_list NAME PATH PORT: checks PATH once, then wrk at DIR_THREADS/DIR_CONNECTIONS
# and adds the p50 (against its target), p99 and req/s rows.
bench_list() {
    local name="$1" path="$2" port="$3"
    get_check "$name" "$path" "$port" || return 0
    log "$name: GET $path -> 200, count $(json_count "$TMP/check-$name.json")," \
        "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["results"]))' \
            "$TMP/check-$name.json") results on the page"
    wrk_run "dir-${name// /-}" "$DIR_THREADS" "$DIR_CONNECTIONS" "http://127.0.0.1:$port$path" \
        --timeout "$DIR_TIMEOUT" -H "Cookie: standin_session=$SESSION_COOKIE"
    row "dir: $name p50" "$WRK_P50_MS ms" "<= $TARGET_LIST_P50_MS ms" \
        "$(fcmp "$WRK_P50_MS <= $TARGET_LIST_P50_MS")"
    row "dir: $name p99" "$WRK_P99_MS ms"
    row "dir: $name req/s" "$WRK_RPS ($WRK_REQUESTS requests)"
    [[ "$WRK_NON2XX" == 0 ]] || row "dir: $name non-2xx" "$WRK_NON2XX" "0" 0
    [[ -z "$WRK_ERRORS" ]] || row "dir: $name socket errors" "$WRK_ERRORS" "none" 0
}

# seed_directory_db DB POOL: the directory section's database. A first start of the
# server creates the schema and the bootstrap admin (bootstrap only happens on an empty
# users table, so it must come before the seeding) and is stopped; then
# seed_directory.py writes DIR_USERS users straight into SQLite in one transaction and
# the PUT pool file POOL. Sets SEED_OUT (the seeder's `key value` lines, for
# seed_value) and SEED_WALL (seconds, with the python start). The server is left
# stopped.
seed_directory_db() {
    local db="$1" pool="$2" port t_seed
    port="$(free_port)"
    start_server "$db" "$port"
    stop_server
    t_seed="$(now_s)"
    SEED_OUT="$(python3 "$SCRIPT_DIR/seed_directory.py" "$db" "$DIR_USERS" "$pool")" \
        || die "seeding failed"
    SEED_WALL="$(since "$t_seed")"
    log "seeded in ${SEED_WALL} s: $(tr '\n' ' ' <<<"$SEED_OUT")"
}

# csrf_cookie: sets CSRF_TOKEN from the standin_csrf cookie of the last login.
csrf_cookie() {
    CSRF_TOKEN="$(awk -F'\t' '$6 == "standin_csrf" { print $7 }' "$TMP/cookies.txt" | tail -n 1)"
    [[ -n "$CSRF_TOKEN" ]] || die "login returned 200 but set no standin_csrf cookie"
}

# put_check PREFIX PORT POOL: one PUT of the first user of POOL (written by
# seed_directory.py) on the server at PORT, logged in (SESSION_COOKIE, CSRF_TOKEN),
# checked with curl. Returns 1, with the answer and a FAIL row "PREFIX PUT answer",
# unless it is 200.
put_check() {
    local prefix="$1" port="$2" pool="$3"
    local csrf="$CSRF_TOKEN"
    local cookie_h="Cookie: standin_session=$SESSION_COOKIE; standin_csrf=$csrf"
    local first_pk first_user first_name first_groups first_roles code
    IFS=$'\t' read -r first_pk first_user first_name first_groups first_roles <"$pool"
    code="$(curl -sS -o "$TMP/check-put.json" -w '%{http_code}' -X PUT \
        -H "$cookie_h" -H "X-Standin-CSRF: $csrf" -H 'Content-Type: application/json' \
        --data "{\"username\":$first_user,\"groups\":$first_groups,\"roles\":$first_roles,\"name\":\"$first_name (check)\"}" \
        "http://127.0.0.1:$port/api/v3/core/users/$first_pk/")" || code="curl-error"
    [[ "$code" == 200 ]] && return 0
    check_failed "PUT /api/v3/core/users/$first_pk/" "$code" "$TMP/check-put.json" \
        "${prefix}PUT answer"
}

# put_wrk NAME PORT POOL: wrk at PUT_THREADS/PUT_CONNECTIONS with bench/put_user.lua
# on the users of POOL, logged in (SESSION_COOKIE, CSRF_TOKEN), into
# $OUT_DIR/wrk-NAME.txt; logs the status counts. Sets the WRK_* figures of wrk_run.
put_wrk() {
    local name="$1" port="$2" pool="$3"
    local csrf="$CSRF_TOKEN"
    wrk_run "$name" "$PUT_THREADS" "$PUT_CONNECTIONS" "http://127.0.0.1:$port/" \
        --timeout "$DIR_TIMEOUT" -s "$SCRIPT_DIR/put_user.lua" \
        -H "Cookie: standin_session=$SESSION_COOKIE; standin_csrf=$csrf" \
        -H "X-Standin-CSRF: $csrf" -H 'Content-Type: application/json' \
        -- "$pool"
    local out="$OUT_DIR/wrk-$name.txt"
    log "PUT statuses: $(awk '$1 == "put-status" { printf "%s x%s  ", $2, $3 }' "$out")"
    if grep -q '^put-sample-' "$out"; then
        log "a non-2xx PUT answer:"
        grep '^put-sample-' "$out" >&2
    fi
}

# put_load PREFIX NAME PORT POOL: the PUT load of the directory section (put_check,
# then put_wrk) with rows named "PREFIX PUT ..." against the directory's targets.
put_load() {
    local prefix="$1" name="$2" port="$3" pool="$4"
    put_check "$prefix" "$port" "$pool" || return 0
    put_wrk "$name" "$port" "$pool"
    row "${prefix}PUT req/s" "$WRK_RPS ($WRK_REQUESTS requests)" ">= $TARGET_PUT_RPS" \
        "$(fcmp "$WRK_RPS >= $TARGET_PUT_RPS")"
    row "${prefix}PUT p50" "$WRK_P50_MS ms"
    row "${prefix}PUT p99" "$WRK_P99_MS ms" "<= $TARGET_PUT_P99_MS ms" \
        "$(fcmp "$WRK_P99_MS <= $TARGET_PUT_P99_MS")"
    local ok=0
    [[ "$WRK_NON2XX" == 0 && -z "$WRK_ERRORS" ]] && ok=1
    row "${prefix}PUT errors" "$WRK_NON2XX non-2xx${WRK_ERRORS:+; socket: $WRK_ERRORS}" "0" "$ok"
}

bench_directory() {
    local t_section db pool port
    t_section="$(now_s)"
    db="$TMP/directory.db"
    pool="$TMP/put-pool.tsv"
    log "section directory: $DIR_USERS users in $db"

    # 1.-2. Schema and bootstrap admin, then DIR_USERS users seeded into SQLite.
    seed_directory_db "$db" "$pool"
    row "dir: seed $(seed_value users) users" "$(seed_value seed_seconds) s (wall $SEED_WALL s)"
    row "dir: seeded rows" "$(seed_value groups) groups, $(seed_value user_groups) memberships, $(seed_value user_roles) user roles"
    row "dir: database size" "$(kib_to_mib $(( $(stat -c %s "$db") / 1024 ))) MiB"

    # 3. Serve it.
    port="$(free_port)"
    start_server "$db" "$port"
    log "ready after $READY_MS ms with $DIR_USERS users (pid $SERVER_PID, port $port)"
    row "dir: ready after start" "$READY_MS ms"
    login "$port"
    csrf_cookie
    log "logged in as admin (session cookie + standin_csrf for writes)"

    # 4. List pages, at low concurrency so p50 is service time rather than queueing.
    local term
    term="$(seed_value search_term)"
    bench_list "users page 20" "/api/v3/core/users/" "$port"
    bench_list "users page 100" "/api/v3/core/users/?page_size=100" "$port"
    row "dir: search term" "'$term' ($(seed_value search_matches) users in the seeded index)"
    bench_list "search" "/api/v3/core/users/?search=$term" "$port"
    bench_list "filtered 100" \
        "/api/v3/core/users/?is_active=true&type=internal&ordering=-date_joined&page_size=100" "$port"
    row "dir: RSS after lists" "$(kib_to_mib "$(rss_kib "$SERVER_PID")") MiB"

    # 5. PUT load: same username, groups and roles, changed name, random seeded user.
    put_load "dir: " dir-put "$port" "$pool"

    # 6. Memory after the loads.
    kill -0 "$SERVER_PID" 2>/dev/null || die "standin died during the directory benchmark"
    row "dir: RSS after loads" "$(kib_to_mib "$(rss_kib "$SERVER_PID")") MiB"
    local hwm
    hwm="$(hwm_kib "$SERVER_PID")"
    row "dir: peak RSS (VmHWM)" "$(kib_to_mib "$hwm") MiB" "<= $TARGET_DIR_RSS_MIB MiB" \
        "$(fcmp "$hwm <= $TARGET_DIR_RSS_MIB * 1024")"
    stop_server
    row "dir: section wall time" "$(since "$t_section") s"
}

# ---------------------------------------------------------------------------
# section: identity (standin next to the bare stack, stack-floor, in one run)
# ---------------------------------------------------------------------------

# terminate_pid PID: TERM, up to 5 s for it to go, then KILL; reaps it if it is a child
# of this shell.
terminate_pid() {
    local pid="$1"
    [[ -n "$pid" ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

stop_floor() {
    terminate_pid "$FLOOR_PID"
    FLOOR_PID=""
}

# stop_storm: the background login storm and the RSS sampler, if they still run.
stop_storm() {
    terminate_pid "$SAMPLER_PID"
    SAMPLER_PID=""
    terminate_pid "$STORM_PID"
    STORM_PID=""
}

# duration_s D: wrk's -d value (a number with an optional s, m or h) in whole seconds.
duration_s() {
    awk -v d="$1" 'BEGIN {
        u = d; sub(/^[0-9]+(\.[0-9]+)?/, "", u); n = d + 0;
        if (u == "" || u == "s") m = 1; else if (u == "m") m = 60; else if (u == "h") m = 3600; else exit 1;
        if (n <= 0) exit 1;
        printf "%d", n * m + 0.999 }' \
        || die "DURATION=$1: expected a number of seconds, minutes or hours, such as 5s"
}

# port_busy PORT: whether something accepts connections on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# build_floor: builds stack-floor (FLOOR_DIR) into FLOOR_TARGET, unless SKIP_BUILD=1 and
# its binary is already there, and sets FLOOR_BIN.
build_floor() {
    [[ -f "$FLOOR_DIR/Cargo.toml" ]] \
        || die "stack-floor not found: no $FLOOR_DIR/Cargo.toml (set FLOOR_DIR to the stack-floor folder; by default ../shared/bench/stack-floor beside the repository)"
    FLOOR_BIN="$FLOOR_TARGET/release/stack-floor"
    if [[ "${SKIP_BUILD:-0}" == 1 && -x "$FLOOR_BIN" ]]; then
        log "SKIP_BUILD=1: using the existing $FLOOR_BIN"
    else
        log "building stack-floor (CARGO_TARGET_DIR=$FLOOR_TARGET cargo build --release --manifest-path $FLOOR_DIR/Cargo.toml)"
        CARGO_TARGET_DIR="$FLOOR_TARGET" cargo build --release --manifest-path "$FLOOR_DIR/Cargo.toml" \
            || die "building stack-floor failed"
    fi
    [[ -x "$FLOOR_BIN" ]] || die "$FLOOR_BIN not found after the build"
}

# start_floor DB: starts stack-floor on DB (it seeds FLOOR_USERS users on the first
# start) on its fixed port and waits until GET /plain answers 204. Sets FLOOR_PID and
# FLOOR_READY_S.
start_floor() {
    local db="$1" t0 code=""
    if port_busy "$FLOOR_PORT"; then
        die "port 127.0.0.1:$FLOOR_PORT is busy, and stack-floor only listens there: stop whatever holds it (ss -ltnp 'sport = :$FLOOR_PORT')"
    fi
    t0="$(now_s)"
    "$FLOOR_BIN" "$db" </dev/null >"$TMP/floor.log" 2>&1 &
    FLOOR_PID=$!
    for _ in $(seq 1 600); do
        if ! kill -0 "$FLOOR_PID" 2>/dev/null; then
            wait "$FLOOR_PID" 2>/dev/null || true
            FLOOR_PID=""
            die "stack-floor exited during start-up; its log ($TMP/floor.log): $(tail -n 20 "$TMP/floor.log")"
        fi
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
            "http://127.0.0.1:$FLOOR_PORT/plain")" || true
        [[ "$code" == 204 ]] && break
        sleep 0.1
    done
    [[ "$code" == 204 ]] \
        || die "stack-floor did not answer 204 on GET /plain within 60 s (last status: ${code:-none}; log $TMP/floor.log)"
    FLOOR_READY_S="$(since "$t0")"
}

# floor_login: POST /login on stack-floor (it logs in uid 42) and sets FLOOR_COOKIE from
# the `id` cookie; stops unless GET /me then answers 200 with it.
floor_login() {
    local code jar="$TMP/floor-cookies.txt"
    code="$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -X POST \
        "http://127.0.0.1:$FLOOR_PORT/login")" || die "stack-floor POST /login failed (curl error)"
    [[ "$code" == 2?? ]] || die "stack-floor POST /login returned $code (expected 204)"
    FLOOR_COOKIE="$(awk -F'\t' '$6 == "id" { print $7 }' "$jar" | tail -n 1)"
    [[ -n "$FLOOR_COOKIE" ]] || die "stack-floor POST /login returned $code but set no id cookie"
    code="$(curl -sS -o "$TMP/floor-me.json" -w '%{http_code}' -H "Cookie: id=$FLOOR_COOKIE" \
        "http://127.0.0.1:$FLOOR_PORT/me")" || die "stack-floor GET /me failed (curl error)"
    [[ "$code" == 200 ]] \
        || die "stack-floor GET /me with the id cookie returned $code: $(head -c 500 "$TMP/floor-me.json")"
}

# id_run_row LABEL: the "id: LABEL req/s (p99)" row of the last wrk_run, then
# id_run_checks LABEL.
id_run_row() {
    row "id: $1 req/s (p99)" "$WRK_RPS ($WRK_P99_MS ms)"
    id_run_checks "$1"
}

# id_run_checks LABEL: a FAIL row when the last wrk run saw non-2xx answers or socket
# errors (timed-out requests are left out of wrk's latency figures, so a run with
# timeouts understates its p99).
id_run_checks() {
    [[ "$WRK_NON2XX" == 0 ]] || row "id: $1 non-2xx" "$WRK_NON2XX" "0" 0
    [[ -z "$WRK_ERRORS" ]] || row "id: $1 socket errors" "$WRK_ERRORS" "none" 0
}

# wrk_seconds FILE: the time wrk actually ran ("N requests in 5.00s, ...") in seconds.
wrk_seconds() {
    awk '/ requests in / {
        v = $4; sub(/,$/, "", v); u = v; sub(/^[0-9.]+/, "", u); n = v + 0;
        if (u == "ms") n /= 1000; else if (u == "us") n /= 1000000;
        else if (u == "m") n *= 60; else if (u == "h") n *= 3600;
        printf "%.3f", n }' "$1"
}

# add A B: A + B (floating point).
add() { awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }

# max A B: the larger of A and B (floating point).
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a ? b : a) }'; }

# pct A B: 100 * A / B with one decimal (0 when B is 0).
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }'; }

# cpu_ticks PID: the user + system CPU time process PID has used so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# us_per_request TICKS REQUESTS: CPU microseconds per request.
us_per_request() {
    awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.0f", (n > 0 ? t / hz / n * 1e6 : 0) }'
}

# create_storm_users PORT: as admin (SESSION_COOKIE, CSRF_TOKEN), creates the users
# storm1 .. storm$STORM_USERS, all with STORM_PASSWORD, and checks that the first and
# the last can log in (200). Each password costs one argon2id hash on the server.
create_storm_users() {
    local port="$1" code i pk t0
    local base="http://127.0.0.1:$port"
    local cookie_h="Cookie: standin_session=$SESSION_COOKIE; standin_csrf=$CSRF_TOKEN"
    t0="$(now_s)"
    for i in $(seq 1 "$STORM_USERS"); do
        code="$(curl -sS -o "$TMP/storm-user-$i.json" -w '%{http_code}' -X POST \
            -H "$cookie_h" -H "X-Standin-CSRF: $CSRF_TOKEN" -H 'Content-Type: application/json' \
            --data "{\"username\":\"storm$i\",\"name\":\"Login Storm $i\"}" \
            "$base/api/v3/core/users/")" || code="curl-error"
        [[ "$code" == 201 ]] \
            || die "POST /api/v3/core/users/ (user storm$i) returned $code (expected 201): $(head -c 500 "$TMP/storm-user-$i.json")"
    done
    local pks
    pks="$(python3 -c '
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
print(" ".join(str(json.load(open("%s/storm-user-%d.json" % (tmp, i)))["pk"]) for i in range(1, n + 1)))
' "$TMP" "$STORM_USERS")" || die "no pk in a created storm user (see $TMP/storm-user-*.json)"
    i=0
    for pk in $pks; do
        i=$((i + 1))
        code="$(curl -sS -o "$TMP/storm-password.json" -w '%{http_code}' -X POST \
            -H "$cookie_h" -H "X-Standin-CSRF: $CSRF_TOKEN" -H 'Content-Type: application/json' \
            --data "{\"password\":\"$STORM_PASSWORD\"}" \
            "$base/api/v3/core/users/$pk/set_password/")" || code="curl-error"
        [[ "$code" == 2?? ]] \
            || die "POST /api/v3/core/users/$pk/set_password/ (user storm$i) returned $code: $(head -c 500 "$TMP/storm-password.json")"
    done
    local created_s
    created_s="$(since "$t0")"
    for i in $(printf '%s\n' 1 "$STORM_USERS" | sort -un); do
        code="$(curl -sS -o "$TMP/storm-login.json" -w '%{http_code}' \
            -H 'Content-Type: application/json' \
            --data "{\"username\":\"storm$i\",\"password\":\"$STORM_PASSWORD\"}" \
            "$base/api/v3/auth/login/")" || code="curl-error"
        [[ "$code" == 200 ]] \
            || die "POST /api/v3/auth/login/ as storm$i returned $code (expected 200): $(head -c 500 "$TMP/storm-login.json")"
    done
    log "users storm1..storm$STORM_USERS created with a password in $created_s s; logins as storm1 and storm$STORM_USERS -> 200"
    row "id: storm users created (with password)" "$STORM_USERS in $created_s s"
}

# Floor, standin and the ratios between them, measured in the same run with the same
# wrk settings (only side-by-side ratios mean anything on a small shared box):
#   1. stack-floor built and started on its own 100 000 users, logged in;
#   2. standin on DIR_USERS seeded users (as the directory section), logged in as admin;
#   3. ID_ROUNDS rounds of floor /me, standin me and standin forward auth;
#   4. ID_ROUNDS rounds of floor PUT and standin PUT (PUT_THREADS/PUT_CONNECTIONS);
#   5. a login storm (STORM_USERS other users, round-robin) while me is measured: p99
#      against quiet, peak RSS.
bench_identity() {
    local t_section db pool port me_url fa_url cookie_h storm_dur
    t_section="$(now_s)"
    storm_dur="$(duration_s "$DURATION")"
    storm_dur="$((storm_dur + 2))s"
    [[ "$STORM_USERS" =~ ^[1-9][0-9]*$ ]] || die "STORM_USERS=$STORM_USERS: expected a positive number"
    db="$TMP/identity.db"
    pool="$TMP/identity-pool.tsv"
    [[ -d "$FLOOR_DIR" ]] && FLOOR_DIR="$(cd "$FLOOR_DIR" && pwd)"
    log "section identity: stack-floor ($FLOOR_DIR) next to standin with $DIR_USERS users"

    # 1. The floor.
    build_floor
    start_floor "$TMP/floor.db"
    floor_login
    log "stack-floor ready after $FLOOR_READY_S s (pid $FLOOR_PID, port $FLOOR_PORT), logged in"
    row "id: floor ready (seeds $FLOOR_USERS users)" "$FLOOR_READY_S s"

    # 2. standin on the seeded directory.
    seed_directory_db "$db" "$pool"
    row "id: seed $(seed_value users) users" "$(seed_value seed_seconds) s (wall $SEED_WALL s)"
    port="$(free_port)"
    start_server "$db" "$port"
    log "standin ready after $READY_MS ms with $DIR_USERS users (pid $SERVER_PID, port $port)"
    login "$port"
    csrf_cookie
    cookie_h="Cookie: standin_session=$SESSION_COOKIE"
    me_url="http://127.0.0.1:$port/api/v3/core/users/me/"
    fa_url="http://127.0.0.1:$port/outpost.goauthentik.io/auth/nginx"
    local code
    code="$(curl -sS -o "$TMP/check-fa.txt" -w '%{http_code}' -H "$cookie_h" \
        -H 'X-Original-URL: https://app.example.com/page' "$fa_url")" || code="curl-error"
    [[ "$code" == 200 ]] \
        || die "forward auth with the session cookie returned $code (expected 200): $(head -c 500 "$TMP/check-fa.txt")"

    # 3. Rounds: floor me, standin me, standin forward auth, alternating.
    local round floor_sum=0 me_sum=0 fa_sum=0 worst_p99=0
    for round in $(seq 1 "$ID_ROUNDS"); do
        wrk_run "id-floor-me-$round" "$THREADS" "$CONNECTIONS" \
            "http://127.0.0.1:$FLOOR_PORT/me" -H "Cookie: id=$FLOOR_COOKIE"
        id_run_row "round $round: floor me"
        floor_sum="$(add "$floor_sum" "$WRK_RPS")"

        wrk_run "id-me-$round" "$THREADS" "$CONNECTIONS" "$me_url" -H "$cookie_h"
        id_run_row "round $round: me"
        me_sum="$(add "$me_sum" "$WRK_RPS")"
        worst_p99="$(max "$worst_p99" "$WRK_P99_MS")"

        wrk_run "id-fa-$round" "$THREADS" "$CONNECTIONS" "$fa_url" -H "$cookie_h" \
            -H 'X-Original-URL: https://app.example.com/page'
        id_run_row "round $round: forward auth"
        fa_sum="$(add "$fa_sum" "$WRK_RPS")"
    done
    local ratio
    ratio="$(pct "$me_sum" "$floor_sum")"
    row "id: me / floor me req/s" "$ratio %" ">= $TARGET_ID_FLOOR_RATIO_PCT %" \
        "$(fcmp "$ratio >= $TARGET_ID_FLOOR_RATIO_PCT")"
    row "id: me p99 (worst round)" "$worst_p99 ms" "<= $TARGET_ID_P99_MS ms" \
        "$(fcmp "$worst_p99 <= $TARGET_ID_P99_MS")"
    ratio="$(pct "$fa_sum" "$me_sum")"
    row "id: forward auth / me req/s" "$ratio %" ">= $TARGET_FA_RATIO_PCT %" \
        "$(fcmp "$ratio >= $TARGET_FA_RATIO_PCT")"

    # 4. PUT rounds: the floor's PUT, then standin's directory PUT load, alternating at
    # the same settings (a single pair swings by 10 % and more from run to run here).
    local floor_put_sum=0 put_sum=0 floor_put_p99=0 put_p99=0 put_ok=1 ticks
    # CPU the server used over all its PUT runs and the requests they answered: steadier
    # than req/s on a shared machine, and it shows which side the work is on.
    local floor_ticks=0 floor_requests=0 put_ticks=0 put_requests=0
    put_check "id: " "$port" "$pool" || put_ok=0
    code="$(curl -sS -o "$TMP/check-floor-put.json" -w '%{http_code}' -X PUT \
        -H "Cookie: id=$FLOOR_COOKIE" "http://127.0.0.1:$FLOOR_PORT/users/1")" || code="curl-error"
    [[ "$code" == 200 ]] || check_failed "stack-floor PUT /users/1" "$code" \
        "$TMP/check-floor-put.json" "id: floor PUT answer" || put_ok=0
    for round in $(seq 1 "$((put_ok == 1 ? ID_ROUNDS : 0))"); do
        ticks="$(cpu_ticks "$FLOOR_PID")"
        wrk_run "id-floor-put-$round" "$PUT_THREADS" "$PUT_CONNECTIONS" \
            "http://127.0.0.1:$FLOOR_PORT/" --timeout "$DIR_TIMEOUT" \
            -s "$SCRIPT_DIR/floor_put.lua" -H "Cookie: id=$FLOOR_COOKIE" -- "$FLOOR_USERS"
        floor_ticks="$(add "$floor_ticks" "$(($(cpu_ticks "$FLOOR_PID") - ticks))")"
        floor_requests="$(add "$floor_requests" "$WRK_REQUESTS")"
        local out="$OUT_DIR/wrk-id-floor-put-$round.txt"
        log "floor PUT statuses: $(awk '$1 == "floor-put-status" { printf "%s x%s  ", $2, $3 }' "$out")"
        if grep -q '^floor-put-sample-' "$out"; then
            log "a non-2xx floor PUT answer:"
            grep '^floor-put-sample-' "$out" >&2
        fi
        id_run_row "round $round: floor PUT"
        floor_put_sum="$(add "$floor_put_sum" "$WRK_RPS")"
        floor_put_p99="$(max "$floor_put_p99" "$WRK_P99_MS")"

        ticks="$(cpu_ticks "$SERVER_PID")"
        put_wrk "id-put-$round" "$port" "$pool"
        put_ticks="$(add "$put_ticks" "$(($(cpu_ticks "$SERVER_PID") - ticks))")"
        put_requests="$(add "$put_requests" "$WRK_REQUESTS")"
        id_run_row "round $round: PUT"
        put_sum="$(add "$put_sum" "$WRK_RPS")"
        put_p99="$(max "$put_p99" "$WRK_P99_MS")"
    done
    if [[ "$put_ok" == 1 ]]; then
        ratio="$(pct "$put_sum" "$floor_put_sum")"
        row "id: PUT / floor PUT req/s" "$ratio %" ">= $TARGET_ID_PUT_RATIO_PCT %" \
            "$(fcmp "$ratio >= $TARGET_ID_PUT_RATIO_PCT")"
        row "id: PUT p99 / floor PUT p99 (worst rounds)" \
            "$(pct "$put_p99" "$floor_put_p99") % ($put_p99 / $floor_put_p99 ms)" \
            "<= $TARGET_ID_PUT_P99_PCT %" \
            "$(fcmp "$put_p99 * 100 <= $floor_put_p99 * $TARGET_ID_PUT_P99_PCT")"
        local put_us floor_us
        put_us="$(us_per_request "$put_ticks" "$put_requests")"
        floor_us="$(us_per_request "$floor_ticks" "$floor_requests")"
        row "id: server CPU per PUT (standin / floor)" \
            "$put_us / $floor_us us ($(pct "$put_us" "$floor_us") %)"
    fi

    # 5. Login storm: storm1..stormN log in over and over, round-robin, while admin's me
    # is measured.
    create_storm_users "$port"
    local storm_out="$OUT_DIR/wrk-id-storm-logins.txt"
    # Index merging is background work that competes with requests for the CPU: the
    # segment counts before and after the storm show whether any ran in its window.
    local segments_before
    segments_before="$(python3 "$SCRIPT_DIR/index_segments.py" "$db")" || segments_before="unreadable"
    wrk_run id-storm-quiet "$THREADS" "$CONNECTIONS" "$me_url" -H "$cookie_h"
    local quiet_p99="$WRK_P99_MS"
    row "id: storm me p99 quiet" "$WRK_P99_MS ms ($WRK_RPS req/s)"
    id_run_checks "storm me quiet"

    local hwm_before hwm_reset=1
    hwm_before="$(hwm_kib "$SERVER_PID")"
    if { echo 5 >"/proc/$SERVER_PID/clear_refs"; } 2>/dev/null; then
        row "id: storm VmHWM reset (clear_refs)" \
            "$(kib_to_mib "$hwm_before") -> $(kib_to_mib "$(hwm_kib "$SERVER_PID")") MiB"
    else
        hwm_reset=0
        log "WARNING: could not write /proc/$SERVER_PID/clear_refs: VmHWM stays the peak since start"
        row "id: storm VmHWM reset (clear_refs)" "failed: the peak RSS below is since start"
    fi

    log "login storm: wrk -t1 -c$STORM_CONNECTIONS -d$storm_dur -s login_storm.lua (background)"
    wrk -t1 -c"$STORM_CONNECTIONS" -d"$storm_dur" --latency --timeout "$DIR_TIMEOUT" \
        -s "$SCRIPT_DIR/login_storm.lua" "http://127.0.0.1:$port" \
        -- storm "$STORM_USERS" "$STORM_PASSWORD" \
        >"$storm_out" 2>&1 &
    STORM_PID=$!
    local server_pid="$SERVER_PID" storm_pid="$STORM_PID"
    (
        while kill -0 "$storm_pid" 2>/dev/null; do
            awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null || break
            sleep 0.1
        done
    ) >"$TMP/storm-rss.txt" &
    SAMPLER_PID=$!
    sleep 1
    kill -0 "$STORM_PID" 2>/dev/null || die "the login storm's wrk ended early: $(cat "$storm_out")"
    wrk_run id-storm-me "$THREADS" "$CONNECTIONS" "$me_url" -H "$cookie_h"
    local storm_p99="$WRK_P99_MS" storm_me="$WRK_P99_MS ms ($WRK_RPS req/s)"
    local storm_me_non2xx="$WRK_NON2XX" storm_me_errors="$WRK_ERRORS"
    local storm_rc=0
    wait "$STORM_PID" || storm_rc=$?
    STORM_PID=""
    stop_storm
    [[ "$storm_rc" == 0 ]] || die "the login storm's wrk failed (status $storm_rc): $(cat "$storm_out")"
    kill -0 "$SERVER_PID" 2>/dev/null || die "standin died during the login storm"
    local hwm
    hwm="$(hwm_kib "$SERVER_PID")"

    row "id: storm me p99 during storm" "$storm_me"
    row "id: search index segments before -> after the quiet and storm loads" \
        "$segments_before -> $(python3 "$SCRIPT_DIR/index_segments.py" "$db" || echo unreadable)"
    WRK_NON2XX="$storm_me_non2xx"
    WRK_ERRORS="$storm_me_errors"
    id_run_checks "storm me during storm"
    ratio="$(awk -v s="$storm_p99" -v q="$quiet_p99" 'BEGIN { printf "%.2f", (q > 0 ? s / q : 0) }')"
    row "id: storm p99 storm / quiet" "$ratio ×" "<= $TARGET_STORM_P99_RATIO ×" \
        "$(fcmp "$ratio <= $TARGET_STORM_P99_RATIO && $quiet_p99 > 0")"
    wrk_parse id-storm-logins "$storm_out"
    # wrk's req/s counts every answer; a refused login (429) is cheap, so the logins
    # that went through are counted from the statuses.
    local ok_logins ok_rate
    ok_logins="$(awk '$1 == "login-status" && $2 == 200 { n += $3 } END { print n + 0 }' "$storm_out")"
    ok_rate="$(awk -v n="$ok_logins" -v t="$(wrk_seconds "$storm_out")" \
        'BEGIN { printf "%.1f", (t > 0 ? n / t : 0) }')"
    row "id: storm logins/s (200)" "$ok_rate ($ok_logins logins with 200 in $storm_dur)"
    row "id: storm answers/s (all)" "$WRK_RPS ($WRK_REQUESTS answers, p99 $WRK_P99_MS ms)"
    local statuses ok=0
    statuses="$(awk '$1 == "login-status" { printf "%s%s x%s", (n++ ? ", " : ""), $2, $3 }' "$storm_out")"
    if [[ -n "$statuses" ]] \
        && ! awk '$1 == "login-status" && $2 != 200 { bad = 1 } END { exit !bad }' "$storm_out" \
        && [[ -z "$WRK_ERRORS" ]]; then
        ok=1
    fi
    if grep -q '^login-sample-' "$storm_out"; then
        log "a non-200 login answer:"
        grep '^login-sample-' "$storm_out" >&2
    fi
    row "id: storm login statuses" "${statuses:-none}${WRK_ERRORS:+; socket: $WRK_ERRORS}" "all 200" "$ok"
    local peak_note=""
    [[ "$hwm_reset" == 1 ]] || peak_note=" (since start)"
    row "id: storm peak RSS (VmHWM)" "$(kib_to_mib "$hwm") MiB$peak_note" "<= $TARGET_STORM_RSS_MIB MiB" \
        "$(fcmp "$hwm <= $TARGET_STORM_RSS_MIB * 1024")"
    local sampled
    sampled="$(awk '$1 + 0 > max { max = $1 + 0 } END { printf "%d %d", max, NR }' "$TMP/storm-rss.txt")"
    row "id: storm max sampled VmRSS" "$(kib_to_mib "${sampled% *}") MiB (${sampled#* } samples, every 100 ms)"
    # Each hash's 19 MiB should be back with the system once the logins stop.
    sleep 2
    row "id: RSS 2 s after the storm" "$(kib_to_mib "$(rss_kib "$SERVER_PID")") MiB"

    row "id: floor RSS after loads" "$(kib_to_mib "$(rss_kib "$FLOOR_PID")") MiB"
    stop_server
    stop_floor
    row "id: section wall time" "$(since "$t_section") s"
}

# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------

print_summary() {
    local file="$OUT_DIR/summary.txt"
    local r m v t res wm=6 wv=5 wt=6
    for r in "${SUMMARY_ROWS[@]}"; do
        IFS='|' read -r m v t res <<<"$r"
        (( ${#m} > wm )) && wm=${#m}
        (( ${#v} > wv )) && wv=${#v}
        (( ${#t} > wt )) && wt=${#t}
    done
    {
        printf 'standin benchmark — %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf 'commit %s, %s CPUs, sections: %s; wrk -d%s --latency; server log level warn (access log off)\n' \
            "$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" "$(nproc)" \
            "${SECTIONS[*]}" "$DURATION"
        if [[ " ${SECTIONS[*]} " == *" foundation "* ]]; then
            printf 'foundation: wrk -t%s -c%s\n' "$THREADS" "$CONNECTIONS"
        fi
        if [[ " ${SECTIONS[*]} " == *" directory "* ]]; then
            printf 'directory: %s users; list pages wrk -t%s -c%s; PUT wrk -t%s -c%s (session cookie + X-Standin-CSRF)\n' \
                "$DIR_USERS" "$DIR_THREADS" "$DIR_CONNECTIONS" "$PUT_THREADS" "$PUT_CONNECTIONS"
        fi
        if [[ " ${SECTIONS[*]} " == *" identity "* ]]; then
            printf 'identity: standin with %s users next to stack-floor (%s); rounds: %s x (floor me, me, forward auth) at wrk -t%s -c%s; PUT wrk -t%s -c%s on both; login storm wrk -t1 -c%s for DURATION + 2 s over %s users\n' \
                "$DIR_USERS" "$FLOOR_DIR" "$ID_ROUNDS" "$THREADS" "$CONNECTIONS" "$PUT_THREADS" \
                "$PUT_CONNECTIONS" "$STORM_CONNECTIONS" "$STORM_USERS"
        fi
        printf '\n'
        printf '%-*s  %-*s  %-*s  %s\n' "$wm" metric "$wv" value "$wt" target result
        printf '%-*s  %-*s  %-*s  %s\n' "$wm" ------ "$wv" ----- "$wt" ------ ------
        for r in "${SUMMARY_ROWS[@]}"; do
            IFS='|' read -r m v t res <<<"$r"
            printf '%-*s  %-*s  %-*s  %s\n' "$wm" "$m" "$wv" "$v" "$wt" "$t" "$res"
        done
        printf '\n'
        if [[ $MISSED -eq 0 ]]; then
            echo "all targets met"
        else
            echo "$MISSED target(s) missed"
        fi
    } | tee "$file"
    printf '(written to %s; raw wrk output beside it)\n' "$file"
}

usage() {
    printf 'usage: bash bench/run.sh [foundation|forward-auth|directory|identity|all]...\n' >&2
    exit 2
}

main() {
    SECTIONS=()
    local arg
    for arg in "$@"; do
        case "$arg" in
            all) SECTIONS+=(foundation forward-auth directory identity) ;;
            foundation | directory | forward-auth | identity) SECTIONS+=("$arg") ;;
            -h | --help) usage ;;
            *) printf 'bench: unknown section %s\n' "$arg" >&2; usage ;;
        esac
    done
    [[ ${#SECTIONS[@]} -gt 0 ]] || SECTIONS=(foundation forward-auth directory identity)

    mkdir -p "$OUT_DIR"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    ensure_tools
    build_release
    TMP="$(mktemp -d -t standin-bench.XXXXXX)"

    local t_run section
    t_run="$(now_s)"
    for section in "${SECTIONS[@]}"; do
        "bench_$section"
    done
    log "sections done in $(since "$t_run") s"

    print_summary
    if [[ "$STRICT" == 1 && $MISSED -gt 0 ]]; then
        exit 1
    fi
}

main "$@"
