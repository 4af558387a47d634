# shellcheck shell=bash
# Test-environment helpers, sourced by scripts/test.sh (and by anyone who wants a
# service by hand):  . scripts/test-env.sh; ensure_dockerd; start_postgres; ...
#
# Everything here is idempotent: a step that is already done is skipped. Runs as
# root on Debian 12; the network reaches Debian's packages, NuGet and npm only.

TEST_IMAGE="${TEST_IMAGE:-console-test/busybox:latest}"
# Applets linked into the test image; an image lacking one of them is rebuilt.
TEST_IMAGE_APPLETS=(sh echo env cat ls sleep true false printf grep sed wc head tail date id pwd
    mkdir rm cp mv kill ps seq test '[' yes tr cut sort uniq awk touch hostname uname)
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/console-dockerd.log}"
APT_LOG="${APT_LOG:-/tmp/console-apt.log}"

te_log() { printf '[test-env] %s\n' "$*" >&2; }
te_die() { printf '[test-env] ERROR: %s\n' "$*" >&2; return 1; }

# --- Debian packages ---------------------------------------------------------

# True when the Debian package is installed (not merely known or half-configured).
te_pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# ensure_packages PKG[=COMMAND] ...
# Installs the packages that are missing: a package counts as present when dpkg
# says so and, if COMMAND is given, `command -v COMMAND` finds it. `apt-get update`
# runs once before the first install; nothing runs when all are present.
# Services in the installed packages are not started (policy-rc.d).
ensure_packages() {
    local spec pkg cmd missing=()
    for spec in "$@"; do
        pkg="${spec%%=*}"
        cmd=""
        [[ "$spec" == *=* ]] && cmd="${spec#*=}"
        if te_pkg_installed "$pkg" && { [[ -z "$cmd" ]] || command -v "$cmd" >/dev/null 2>&1; }; then
            continue
        fi
        missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0

    te_log "installing Debian packages: ${missing[*]} (log: $APT_LOG)"
    local made_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        # Keep postinst scripts from starting redis, postgres, dockerd or the registry.
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local rc=0
    {
        if [[ -z "${TE_APT_UPDATED:-}" ]]; then
            apt-get update -q
        fi
    } >>"$APT_LOG" 2>&1 || rc=$?
    if [[ $rc -eq 0 ]]; then
        TE_APT_UPDATED=1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${missing[@]}" >>"$APT_LOG" 2>&1 || rc=$?
    fi
    [[ $made_policy -eq 1 ]] && rm -f /usr/sbin/policy-rc.d
    if [[ $rc -ne 0 ]]; then
        tail -n 30 "$APT_LOG" >&2
        te_die "apt-get failed (exit $rc) installing: ${missing[*]}"
        return 1
    fi
    for pkg in "${missing[@]}"; do
        te_pkg_installed "$pkg" || { te_die "package $pkg is still not installed after apt-get install"; return 1; }
    done
}

# --- Docker engine -----------------------------------------------------------

# Starts dockerd in the background unless `docker info` already answers, then
# waits (bounded) until it does.
ensure_dockerd() {
    local timeout="${DOCKERD_TIMEOUT:-60}"
    if docker info >/dev/null 2>&1; then
        return 0
    fi
    command -v dockerd >/dev/null 2>&1 || { te_die "dockerd not found: install the docker.io package"; return 1; }
    # A dockerd killed outright leaves its pid file behind, and the next one refuses to start over it.
    local pidfile="${DOCKERD_PIDFILE:-/var/run/docker.pid}" old
    if [[ -f "$pidfile" ]]; then
        old="$(cat "$pidfile" 2>/dev/null)"
        if [[ ! "$old" =~ ^[0-9]+$ ]] || ! kill -0 "$old" 2>/dev/null; then
            te_log "removing the stale $pidfile (no process ${old:-named in it})"
            rm -f "$pidfile"
        fi
    fi
    te_log "starting dockerd (log: $DOCKERD_LOG)"
    # Detached, with no inherited stdio, so that it outlives this script quietly.
    setsid dockerd </dev/null >>"$DOCKERD_LOG" 2>&1 &
    local pid=$! waited=0
    until docker info >/dev/null 2>&1; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$DOCKERD_LOG" >&2
            te_die "dockerd exited before the Docker engine answered (see $DOCKERD_LOG)"
            return 1
        fi
        if [[ $waited -ge $timeout ]]; then
            tail -n 20 "$DOCKERD_LOG" >&2
            te_die "dockerd did not answer 'docker info' within ${timeout}s (see $DOCKERD_LOG)"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    te_log "dockerd is up after ${waited}s"
}

# Makes the engine a single-node swarm manager (for the docker-swarm pool type's
# tests) unless it already is one. Advertises loopback: the swarm never leaves
# this machine. An engine that is a worker node of another swarm is left alone.
ensure_swarm() {
    local state control
    state="$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" \
        || { te_die "docker info failed: start dockerd first (ensure_dockerd)"; return 1; }
    control="$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)"
    if [[ "$state" == "active" && "$control" == "true" ]]; then
        return 0
    fi
    if [[ "$state" == "active" ]]; then
        te_die "the Docker engine is a swarm worker node, not a manager: the docker-swarm tests need a manager"
        return 1
    fi
    te_log "initialising a single-node swarm (docker swarm init --advertise-addr 127.0.0.1)"
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null \
        || { te_die "docker swarm init failed"; return 1; }
}

# True when $TEST_IMAGE exists, runs, and has every applet in TEST_IMAGE_APPLETS.
te_image_ok() {
    docker image inspect "$TEST_IMAGE" >/dev/null 2>&1 || return 1
    local out
    # shellcheck disable=SC2016  # expanded inside the container
    out="$(docker run --rm "$TEST_IMAGE" sh -c \
        'for a in "$@"; do [ -e "/bin/$a" ] || echo "missing $a"; done; echo ok' \
        sh "${TEST_IMAGE_APPLETS[@]}" 2>&1)" || return 1
    [[ "$out" == "ok" ]]
}

# Builds $TEST_IMAGE from busybox-static when it is missing (or lacks an applet),
# then checks that it runs.
ensure_test_image() {
    te_image_ok && return 0
    local busybox=/bin/busybox
    if ! te_pkg_installed busybox-static || [[ ! -x "$busybox" ]]; then
        te_die "$busybox not found: install the busybox-static package"
        return 1
    fi
    te_log "building test image $TEST_IMAGE"
    local dir applet rc=0
    dir="$(mktemp -d)"
    mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/root"
    chmod 1777 "$dir/tmp"
    cp "$busybox" "$dir/bin/busybox"
    for applet in "${TEST_IMAGE_APPLETS[@]}"; do
        ln -s busybox "$dir/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
    tar -C "$dir" -c . | docker import --change 'ENV PATH=/bin' - "$TEST_IMAGE" >/dev/null || rc=$?
    rm -rf "$dir"
    [[ $rc -eq 0 ]] || { te_die "docker import of $TEST_IMAGE failed"; return 1; }
    local out
    out="$(docker run --rm "$TEST_IMAGE" echo ok 2>&1)" || true
    [[ "$out" == "ok" ]] || { te_die "test image $TEST_IMAGE does not run: $out"; return 1; }
    te_image_ok || { te_die "test image $TEST_IMAGE lacks applets after the build"; return 1; }
}

# --- Services (scripts/test.sh starts PostgreSQL; the others on demand) ---------

# start_postgres [DIR] [PORT]: a throwaway cluster owned by the postgres user,
# superuser "console", trust auth, on 127.0.0.1:PORT with its socket in /tmp.
PG_DIR="${PG_DIR:-/tmp/console-pg}"
PG_PORT="${PG_PORT:-5433}"
te_pg_bin() {
    local d
    d="$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1)"
    [[ -n "$d" ]] || { te_die "PostgreSQL binaries not found: install the postgresql package"; return 1; }
    printf '%s' "$d"
}
start_postgres() {
    local dir="${1:-$PG_DIR}" port="${2:-$PG_PORT}" bin
    bin="$(te_pg_bin)" || return 1
    if [[ ! -f "$dir/PG_VERSION" ]]; then
        mkdir -p "$dir"
        chown postgres:postgres "$dir"
        chmod 700 "$dir"
        runuser -u postgres -- "$bin/initdb" -D "$dir" -U console --auth=trust >"$dir.initdb.log" 2>&1 \
            || { cat "$dir.initdb.log" >&2; te_die "initdb failed for $dir"; return 1; }
    fi
    # Exported also when the cluster is already up (started earlier, or by someone else).
    export CONSOLE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=console;Database=postgres"
    if runuser -u postgres -- "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        return 0
    fi
    te_log "starting PostgreSQL on 127.0.0.1:$port (data: $dir)"
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir" \
        -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" -l "$dir/pg.log" -w -t 60 start >/dev/null \
        || { tail -n 20 "$dir/pg.log" >&2; te_die "PostgreSQL did not start (see $dir/pg.log)"; return 1; }
}
stop_postgres() {
    local dir="${1:-$PG_DIR}" bin
    bin="$(te_pg_bin)" || return 1
    [[ -f "$dir/postmaster.pid" ]] || return 0
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
}

# start_redis [PORT]: no persistence, loopback only, daemonized.
REDIS_PORT="${REDIS_PORT:-6380}"
start_redis() {
    local port="${1:-$REDIS_PORT}"
    command -v redis-server >/dev/null 2>&1 || { te_die "redis-server not found: install the redis-server package"; return 1; }
    if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
        te_log "starting Redis on 127.0.0.1:$port"
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
            --pidfile "/tmp/console-redis-$port.pid" --logfile "/tmp/console-redis-$port.log" >/dev/null
        local _
        for _ in $(seq 1 50); do
            redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
            sleep 0.2
        done
        redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 \
            || { te_die "redis-server did not answer on port $port"; return 1; }
    fi
    export CONSOLE_TEST_REDIS="127.0.0.1:$port"
}
stop_redis() {
    local port="${1:-$REDIS_PORT}"
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
}

# start_registry [PORT]: Docker distribution v2 on 127.0.0.1:PORT, storage in /tmp.
REGISTRY_PORT="${REGISTRY_PORT:-5000}"
te_registry_up() { curl -fsS -o /dev/null "http://127.0.0.1:$1/v2/" 2>/dev/null; }
start_registry() {
    local port="${1:-$REGISTRY_PORT}"
    local conf="/tmp/console-registry-$port.yml"
    command -v docker-registry >/dev/null 2>&1 || { te_die "docker-registry not found: install the docker-registry package"; return 1; }
    if ! te_registry_up "$port"; then
        te_log "starting docker-registry on 127.0.0.1:$port"
        mkdir -p "/tmp/console-registry-$port"
        cat >"$conf" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /tmp/console-registry-$port
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
        setsid docker-registry serve "$conf" </dev/null >>"/tmp/console-registry-$port.log" 2>&1 &
        echo $! >"/tmp/console-registry-$port.pid"
        local _
        for _ in $(seq 1 50); do
            te_registry_up "$port" && break
            sleep 0.2
        done
        te_registry_up "$port" || { te_die "docker-registry did not answer on port $port"; return 1; }
    fi
    export CONSOLE_TEST_REGISTRY="127.0.0.1:$port"
}
stop_registry() {
    local port="${1:-$REGISTRY_PORT}"
    local pidfile="/tmp/console-registry-$port.pid"
    [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null
    rm -f "$pidfile"
}

# --- Browser-side test tools (npm) ---------------------------------------------

# ensure_axe: axe-core (pinned in Console.Tests/package.json and its lock file) under
# Console.Tests/node_modules, where the accessibility tests read axe.min.js. Installs node and
# npm from Debian when there is no npm; skips npm when the pinned version is already there.
ensure_axe() {
    local root tests want have
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    tests="$root/Console.Tests"
    want="$(sed -n 's/.*"axe-core": *"\([^"]*\)".*/\1/p' "$tests/package.json")"
    have="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$tests/node_modules/axe-core/package.json" 2>/dev/null | head -n 1)"
    if [[ -n "$want" && "$have" == "$want" && -f "$tests/node_modules/axe-core/axe.min.js" ]]; then
        return 0
    fi
    # Node may come from elsewhere (NodeSource's nodejs bundles npm and conflicts with Debian's npm).
    if ! command -v npm >/dev/null 2>&1; then
        ensure_packages nodejs=node npm=npm || return 1
    fi
    te_log "installing axe-core $want into Console.Tests/node_modules"
    (cd "$tests" && npm ci --no-audit --no-fund --loglevel=error) >&2 || { te_die "npm ci in Console.Tests failed"; return 1; }
    [[ -f "$tests/node_modules/axe-core/axe.min.js" ]] || { te_die "axe-core did not install"; return 1; }
}
