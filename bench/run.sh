#!/usr/bin/env bash
# standin benchmark harness (not a test: `cargo test` never runs this).
#
#   bash bench/run.sh                # every section
#   bash bench/run.sh directory      # only the named section(s): foundation, directory,
#                                    # forward-auth
#
# Environment knobs (all optional):
#   DURATION=10s      wrk duration per endpoint (anything wrk's -d accepts)
#   CONNECTIONS=32    wrk connections (foundation)
#   THREADS=2         wrk threads (foundation)
#   DIR_USERS=100000  users seeded by the directory section
#   DIR_CONNECTIONS=4 wrk connections for the directory list pages (latency)
#   DIR_THREADS=2     wrk threads for the directory list pages
#   PUT_CONNECTIONS=64 wrk connections for the directory PUT load
#   PUT_THREADS=2     wrk threads for the directory PUT load
#   FA_ROUNDS=2       forward-auth: rounds of me then forward auth, side by side
#   DIR_TIMEOUT=30s   wrk --timeout in the directory section (wrk drops timed-out
#                     requests from its latency figures, so keep it above the slowest)
#   SKIP_BUILD=1      use the existing target/release/standin as is
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

BOOTSTRAP_PASSWORD="bench-$(date +%s)-$$-Passw0rd"

TMP=""
SERVER_PID=""
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
    stop_server
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
    if [[ "$code" == 200 ]]; then
        return 0
    fi
    log "ERROR: GET $path (Cookie: standin_session=...) answered $code:"
    head -c 2000 "$TMP/check-$name.json" >&2 || true
    printf '\n' >&2
    row "dir: $name answer" "HTTP $code" "200" 0
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

bench_directory() {
    local t_section db pool port
    t_section="$(now_s)"
    db="$TMP/directory.db"
    pool="$TMP/put-pool.tsv"
    log "section directory: $DIR_USERS users in $db"

    # 1. The first start creates the schema and the bootstrap admin (bootstrap only
    #    happens on an empty users table, so it must come before the seeding).
    port="$(free_port)"
    start_server "$db" "$port"
    stop_server

    # 2. Seed straight into SQLite, in one transaction.
    local t_seed seed_out seed_wall
    t_seed="$(now_s)"
    seed_out="$(python3 "$SCRIPT_DIR/seed_directory.py" "$db" "$DIR_USERS" "$pool")" \
        || die "seeding failed"
    seed_wall="$(since "$t_seed")"
    SEED_OUT="$seed_out"
    log "seeded in ${seed_wall} s: $(tr '\n' ' ' <<<"$seed_out")"
    row "dir: seed $(seed_value users) users" "$(seed_value seed_seconds) s (wall $seed_wall s)"
    row "dir: seeded rows" "$(seed_value groups) groups, $(seed_value user_groups) memberships, $(seed_value user_roles) user roles"
    row "dir: database size" "$(kib_to_mib $(( $(stat -c %s "$db") / 1024 ))) MiB"

    # 3. Serve it.
    port="$(free_port)"
    start_server "$db" "$port"
    log "ready after $READY_MS ms with $DIR_USERS users (pid $SERVER_PID, port $port)"
    row "dir: ready after start" "$READY_MS ms"
    login "$port"
    local csrf
    csrf="$(awk -F'\t' '$6 == "standin_csrf" { print $7 }' "$TMP/cookies.txt" | tail -n 1)"
    [[ -n "$csrf" ]] || die "login returned 200 but set no standin_csrf cookie"
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
    local cookie_h="Cookie: standin_session=$SESSION_COOKIE; standin_csrf=$csrf"
    local first_pk first_user first_name first_groups first_roles code
    IFS=$'\t' read -r first_pk first_user first_name first_groups first_roles <"$pool"
    code="$(curl -sS -o "$TMP/check-put.json" -w '%{http_code}' -X PUT \
        -H "$cookie_h" -H "X-Standin-CSRF: $csrf" -H 'Content-Type: application/json' \
        --data "{\"username\":$first_user,\"groups\":$first_groups,\"roles\":$first_roles,\"name\":\"$first_name (check)\"}" \
        "http://127.0.0.1:$port/api/v3/core/users/$first_pk/")" || code="curl-error"
    if [[ "$code" != 200 ]]; then
        log "ERROR: PUT /api/v3/core/users/$first_pk/ answered $code:"
        head -c 2000 "$TMP/check-put.json" >&2 || true
        printf '\n' >&2
        row "dir: PUT answer" "HTTP $code" "200" 0
    else
        wrk_run dir-put "$PUT_THREADS" "$PUT_CONNECTIONS" "http://127.0.0.1:$port/" \
            --timeout "$DIR_TIMEOUT" -s "$SCRIPT_DIR/put_user.lua" \
            -H "$cookie_h" -H "X-Standin-CSRF: $csrf" -H 'Content-Type: application/json' \
            -- "$pool"
        local out="$OUT_DIR/wrk-dir-put.txt"
        log "PUT statuses: $(awk '$1 == "put-status" { printf "%s x%s  ", $2, $3 }' "$out")"
        if grep -q '^put-sample-' "$out"; then
            log "a non-2xx PUT answer:"
            grep '^put-sample-' "$out" >&2
        fi
        row "dir: PUT req/s" "$WRK_RPS ($WRK_REQUESTS requests)" ">= $TARGET_PUT_RPS" \
            "$(fcmp "$WRK_RPS >= $TARGET_PUT_RPS")"
        row "dir: PUT p50" "$WRK_P50_MS ms"
        row "dir: PUT p99" "$WRK_P99_MS ms" "<= $TARGET_PUT_P99_MS ms" \
            "$(fcmp "$WRK_P99_MS <= $TARGET_PUT_P99_MS")"
        local ok=0
        [[ "$WRK_NON2XX" == 0 && -z "$WRK_ERRORS" ]] && ok=1
        row "dir: PUT errors" "$WRK_NON2XX non-2xx${WRK_ERRORS:+; socket: $WRK_ERRORS}" "0" "$ok"
    fi

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
    printf 'usage: bash bench/run.sh [foundation|forward-auth|directory|all]...\n' >&2
    exit 2
}

main() {
    SECTIONS=()
    local arg
    for arg in "$@"; do
        case "$arg" in
            all) SECTIONS+=(foundation forward-auth directory) ;;
            foundation | directory | forward-auth) SECTIONS+=("$arg") ;;
            -h | --help) usage ;;
            *) printf 'bench: unknown section %s\n' "$arg" >&2; usage ;;
        esac
    done
    [[ ${#SECTIONS[@]} -gt 0 ]] || SECTIONS=(foundation forward-auth directory)

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
