# flow: hello
# Greets `name`, `count` times. Parameters arrive as JSON in CONSOLE_FLOW_RUN_PARAMETERS,
# e.g. {"name": "Ada", "count": 3}; defaults: world, 1. Runs on busybox sh (no jq).
set -eu

params=$(printf '%s' "${CONSOLE_FLOW_RUN_PARAMETERS:-}" | tr -d '\n')
name=$(printf '%s' "$params" | sed -n 's/.*"name"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
count=$(printf '%s' "$params" | sed -n 's/.*"count"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\).*/\1/p' | tr -d ' ')
name=${name:-world}
count=${count:-1}

case "$count" in
    '' | *[!0-9]*)
        echo "count must be a whole number from 1 to 100, not '$count'." >&2
        exit 2
        ;;
esac
if [ "$count" -lt 1 ] || [ "$count" -gt 100 ]; then
    echo "count must be a whole number from 1 to 100, not '$count'." >&2
    exit 2
fi

i=1
while [ "$i" -le "$count" ]; do
    echo "Hello, $name! ($i/$count)"
    i=$((i + 1))
done
