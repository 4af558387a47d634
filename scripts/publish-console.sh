#!/usr/bin/env bash
# Publishes the console (Console.Web) for this Linux machine into a folder (default:
# artifacts/console): self-contained, with the .NET framework trimmed to what the console uses, so it
# needs no .NET runtime on the host and an idle console holds 30-45 MB less (ADR 0011).
# Run it from that folder: `./Console.Web` (docs/deploy.md). Needs only the .NET SDK; about a minute.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/artifacts/console}"

case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) arch=x64 ;;
    Linux/aarch64 | Linux/arm64) arch=arm64 ;;
    *)
        echo "publish-console.sh: Linux on x64 or arm64 only (this is $(uname -s)/$(uname -m)). Elsewhere: dotnet publish Console.Web -c Release -o <folder>" >&2
        exit 2
        ;;
esac
# musl (Alpine) needs its own runtime build.
rid="linux-$arch"
if ldd --version 2>&1 | grep -qi musl; then
    rid="linux-musl-$arch"
fi

# The build's own bin/ and obj/ in a folder of their own: another build of the clone meanwhile (a
# restore without a runtime identifier, the CLI's pack) would otherwise rewrite them under this one.
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
# Into the folder as it is: a console already run from there keeps its data/ (settings, database, keys).
dotnet publish "$root/Console.Web" -c Release -r "$rid" -p:TrimmedPublish=true --artifacts-path "$build" -o "$out" -nologo -v quiet
test -x "$out/Console.Web" && test -f "$out/wwwroot/_framework/blazor.web.js"
echo "Published the console for $rid to $out. Start it with: cd $out && ./Console.Web"
