#!/usr/bin/env bash
# The project's test command: prepares the machine (Debian 12, root) and runs the
# whole suite. Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Docker").
#
# Installs missing Debian packages, starts dockerd, builds the local test image
# console-test/busybox:latest, runs `dotnet test Console.sln` (Debug) with a trx
# logger into TestResults/, and prints as its last line "N passed, N failed"
# (", N skipped" when any). Exits non-zero on any failure, a failed build, or
# when no test ran.
#
# PostgreSQL, Redis and a local registry are installed but not started; to start
# them: . scripts/test-env.sh && start_postgres && start_redis && start_registry
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
    docker-registry=docker-registry postgresql redis-server=redis-server \
    || setup_failed "could not install Debian packages"

# 2. Docker engine and the local test image.
ensure_dockerd || setup_failed "Docker engine (dockerd) is not available"
ensure_test_image || setup_failed "could not build $TEST_IMAGE"
export CONSOLE_TEST_DOCKER=1
log "docker ready, test image $TEST_IMAGE"

# 3. Browser.
if [[ -x /usr/bin/chromium ]]; then
    export CONSOLE_TEST_CHROMIUM=/usr/bin/chromium
fi

# 4. Tests.
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
dotnet test Console.sln -c Debug --nologo \
    --results-directory "$RESULTS_DIR" \
    --logger "trx;LogFileName=results.trx" \
    --logger "console;verbosity=normal" \
    "$@" </dev/null || dotnet_rc=$?

# 5. Summary from the trx files.
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
log "results: $RESULTS_DIR"
finish "$passed" "$failed" "$skipped"
