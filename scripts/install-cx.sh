#!/usr/bin/env bash
# Installs the CLI as the .NET global tool `cx` from this clone: packs Console.Cli into a local
# feed (artifacts/cx) and installs (or replaces) the tool from it, so `cx` runs from any folder
# without a build. Run it again after pulling changes. Needs only the .NET SDK.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
feed="$root/artifacts/cx"
# A version per pack: the tool store never serves an older build under the same version.
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S)"

rm -rf "$feed"
# PackPerPlatform: on Linux a self-contained, trimmed cx (a leaner worker); elsewhere the
# framework-dependent one (Console.Cli.csproj). About two minutes.
dotnet pack "$root/Console.Cli" -c Release -o "$feed" -p:Version="$version" -p:PackPerPlatform=true -nologo -v quiet
dotnet tool uninstall --global Console.Cli >/dev/null 2>&1 || true
dotnet tool install --global --add-source "$feed" --version "$version" Console.Cli

tools="${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools"
case ":$PATH:" in
    *":$tools:"*) ;;
    *) echo "Add the .NET tools folder to your PATH (e.g. in ~/.bashrc): export PATH=\"\$PATH:$tools\"" ;;
esac
