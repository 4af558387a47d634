#!/usr/bin/env bash
# The project's test command: prepares the machine (Debian 12, root) and runs the
# whole suite. Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Docker").
#
# Installs missing Debian packages, starts dockerd (a single-node swarm manager,
# for the docker-swarm tests), builds the local test image
# console-test/busybox:latest, runs `dotnet test Console.sln` (Debug) with a trx
# logger into TestResults/, then (without arguments) the benchmark smoke test
# `Console.Bench all --quick` as one more test, and prints as its last line "N passed, N failed"
# (", N skipped" when any). Exits non-zero on any failure, a failed build, or
# when no test ran.
#
# Starts PostgreSQL (127.0.0.1:5433) and Redis (127.0.0.1:6380, see scripts/test-env.sh) and
# exports CONSOLE_TEST_POSTGRES and CONSOLE_TEST_REDIS for the tests that run on both database
# providers and on several replicas. A local registry is installed but not started; to start
# it: . scripts/test-env.sh && start_registry
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT" || exit 1
# shellcheck source=scripts/test-env.sh
. scripts/test-env.sh

log() { printf '[test] %s\n' "$*" >&2; }

# Closing line, then exit. Never reports success without a test run.
finish() {
    local passed="$1" failed="$2" skipped="$3" line
    line="$passed passed, $failed failed"
    [[ "$skipped" -gt 0 ]] && line+=", $skipped skipped"
    echo "$line"
    [[ "$failed" -eq 0 && "$passed" -gt 0 ]] && exit 0
    exit 1
}

setup_failed() {
    log "environment setup failed: $*"
    finish 0 1 0
}

# 1. Packages (docker.io's dockerd is the check: the image may ship a docker CLI alone).
ensure_packages \
    docker.io=dockerd busybox-static chromium=chromium sqlite3=sqlite3 iproute2=ip \
    docker-registry=docker-registry postgresql redis-server=redis-server haproxy=haproxy \
    || setup_failed "could not install Debian packages"

# 2. Docker engine and the local test image.
ensure_dockerd || setup_failed "Docker engine (dockerd) is not available"
ensure_swarm || setup_failed "the Docker engine is not a swarm manager (ensure_swarm)"
ensure_test_image || setup_failed "could not build $TEST_IMAGE"
export CONSOLE_TEST_DOCKER=1
log "docker ready, test image $TEST_IMAGE"

# 2b. Registries for the push/pull tests: a shared anonymous one (CONSOLE_TEST_REGISTRY),
# on 5050 because the README's console listens on 5000; htpasswd for the one with
# credentials that the tests start themselves; curl for the README's curl walk-through.
ensure_packages apache2-utils=htpasswd curl=curl || setup_failed "could not install apache2-utils (htpasswd) and curl"
if start_registry "${CONSOLE_TEST_REGISTRY_PORT:-5050}"; then
    log "registry ready on $CONSOLE_TEST_REGISTRY"
else
    log "no registry on 127.0.0.1:${CONSOLE_TEST_REGISTRY_PORT:-5050}; the registry tests start one on a free port"
fi

# 3. PostgreSQL: the persistence and claim tests also run on it (CONSOLE_TEST_POSTGRES).
start_postgres || setup_failed "PostgreSQL did not start"
log "postgres ready ($CONSOLE_TEST_POSTGRES)"

# 4. Redis, shared by the scale-out tests' replicas (each test class uses channels of its own).
start_redis || setup_failed "Redis (redis-server) did not start"
log "redis ready at $CONSOLE_TEST_REDIS"

# 5. Browser, and axe-core for the accessibility audit (Console.Tests/node_modules).
if [[ -x /usr/bin/chromium ]]; then
    export CONSOLE_TEST_CHROMIUM=/usr/bin/chromium
fi
ensure_axe || setup_failed "could not install axe-core (npm ci in Console.Tests)"

# 6. Tests.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [[ -n "${CI:-}" ]]; then
    # No build nodes left behind holding the CI run's output open.
    export MSBUILDDISABLENODEREUSE=1
fi
RESULTS_DIR="$REPO_ROOT/TestResults"
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"

log "dotnet test Console.sln (Debug) $*"
dotnet_rc=0
# A job started in the background of a non-interactive shell inherits SIGINT as ignored, and .NET
# keeps it ignored: the tests that press Ctrl+C on a real console would then wait in vain. The
# suite runs with SIGINT (and the SIGPIPE and SIGXFSZ python itself ignores) at their defaults.
python3 -c 'import os, signal, sys; [signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ)]; os.execvp(sys.argv[1], sys.argv[1:])' \
    dotnet test Console.sln -c Debug --nologo \
    --results-directory "$RESULTS_DIR" \
    --logger "trx;LogFileName=results.trx" \
    --logger "console;verbosity=normal" \
    "$@" </dev/null || dotnet_rc=$?

# 7. Summary from the trx files.
read -r passed failed skipped trx_files < <(python3 "$REPO_ROOT/scripts/trx-summary.py" "$RESULTS_DIR" || echo "0 0 0 0")
: "${passed:=0}" "${failed:=0}" "${skipped:=0}" "${trx_files:=0}"

if [[ $dotnet_rc -ne 0 && $failed -eq 0 ]]; then
    if [[ $trx_files -eq 0 ]]; then
        log "dotnet test exited with code $dotnet_rc and wrote no results: the build failed (see the errors above)"
    else
        log "dotnet test exited with code $dotnet_rc with no failed test in the results: a project failed to build or a test host crashed"
    fi
    failed=1
elif [[ $passed -eq 0 && $failed -eq 0 ]]; then
    log "no test ran (check --filter, or that the test projects contain tests)"
    failed=1
fi

# 8. Benchmark smoke test (the whole suite only): `Console.Bench all --quick` must run every
#    benchmark and produce figures; it asserts no speed. It counts as one test.
if [[ $# -eq 0 && "${CONSOLE_SKIP_BENCH_SMOKE:-}" != "1" ]]; then
    log "benchmark smoke test: Console.Bench all --quick (log: $RESULTS_DIR/bench-smoke.log)"
    if dotnet build Console.Cli -c Release --nologo -v quiet >"$RESULTS_DIR/bench-build.log" 2>&1 \
        && timeout 900 dotnet run --project Console.Bench -c Release -- all --quick --out "$RESULTS_DIR/bench" \
            >"$RESULTS_DIR/bench-smoke.log" 2>&1 </dev/null; then
        passed=$((passed + 1))
        tail -n 20 "$RESULTS_DIR/bench-smoke.log" >&2
    else
        failed=$((failed + 1))
        log "benchmark smoke test FAILED:"
        tail -n 40 "$RESULTS_DIR/bench-build.log" "$RESULTS_DIR/bench-smoke.log" >&2
    fi
fi

log "results: $RESULTS_DIR"
# The failed tests again, last, where a long log's tail shows them.
python3 "$REPO_ROOT/scripts/trx-summary.py" --failures "$RESULTS_DIR" >&2 || true
finish "$passed" "$failed" "$skipped"
