#!/usr/bin/env bash
# Builds the console's container image from the top-level Dockerfile on a machine that
# cannot pull images (CI here): it first assembles two local base images from this
# machine's own .NET (the SDK and runtime under the `dotnet` on PATH, the shared
# libraries they load, busybox-static for a shell, CA certificates and the runtime's git), then runs
#   docker build --build-arg SDK_IMAGE=<local sdk> --build-arg RUNTIME_IMAGE=<local aspnet>
#
# usage: scripts/console-image.sh [--tag NAME] [--bases-only]
#   --tag NAME     the image to build (default: console:local)
#   --bases-only   assemble the base images, print their names, build nothing
#
# Where the public images can be pulled, the script is not needed: `docker build -t console .`
# uses mcr.microsoft.com/dotnet/sdk:10.0 and aspnet:10.0.
#
# Idempotent and cached: a base image is assembled only when its tag (the .NET version and
# the recipe below) is missing, and the Dockerfile restores packages in a layer of its own,
# so a rebuild after a code change only re-runs the publish. The build stage restores from
# .nuget-feed/, a copy of the packages this machine's own restore of Console.Web fetched, so
# the build needs no network. Needs docker access, busybox-static and the .NET 10 SDK.
set -euo pipefail

# Bump when the way the bases are assembled changes: the tags change and they are rebuilt.
BASE_RECIPE=3
APP_UID=1654   # the same uid as the public aspnet image's `app` user

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAG="console:local"
BASES_ONLY=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --tag) TAG="${2:?--tag needs a name}"; shift 2 ;;
        --bases-only) BASES_ONLY=1; shift ;;
        -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "console-image: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

log() { printf '[console-image] %s\n' "$*" >&2; }
die() { printf '[console-image] ERROR: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker not found: install docker.io (scripts/test.sh does)"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer: start dockerd (. scripts/test-env.sh; ensure_dockerd)"
[[ -x /bin/busybox ]] || die "/bin/busybox not found: install busybox-static (scripts/test.sh does)"
DOTNET="$(command -v dotnet)" || die "dotnet not found on PATH: install the .NET 10 SDK"
DOTNET_ROOT_DIR="$(dirname "$(readlink -f "$DOTNET")")"

# The highest installed version of a shared framework (e.g. Microsoft.AspNetCore.App) of major 10.
framework_version() {
    find "$DOTNET_ROOT_DIR/shared/$1" -mindepth 1 -maxdepth 1 -name '10.*' -printf '%f\n' | sort -V | tail -n 1
}
SDK_VERSION="$(cd "$REPO_ROOT" && "$DOTNET" --version)"
RUNTIME_VERSION="$(framework_version Microsoft.AspNetCore.App)"
NETCORE_VERSION="$(framework_version Microsoft.NETCore.App)"
[[ -n "$RUNTIME_VERSION" && -n "$NETCORE_VERSION" ]] || die "no .NET 10 runtime under $DOTNET_ROOT_DIR/shared"
SDK_IMAGE="console-local/dotnet-sdk:$SDK_VERSION-r$BASE_RECIPE"
RUNTIME_IMAGE="console-local/aspnet:$RUNTIME_VERSION-r$BASE_RECIPE"

# Copies every shared library that the ELF files under DIR (and the libraries .NET opens at run
# time, which ldd cannot see) need, at the host's own paths, into the root filesystem ROOT.
copy_libraries() {
    local root="$1" dir="$2" lib
    local -a wanted=()
    local -A seen=()
    # OpenSSL is dlopen()ed by System.Security.Cryptography.Native (HTTPS, TLS); ICU by
    # System.Globalization where globalization is not invariant (the SDK: MSBuild checks locales).
    for lib in libssl.so.3 libcrypto.so.3 ${EXTRA_LIBRARIES:-}; do
        wanted+=("$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')")
    done
    while IFS= read -r -d '' lib; do
        wanted+=("$lib")
    done < <(find "$dir" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) -print0)
    local file dep
    for file in "${wanted[@]}"; do
        [[ -n "$file" ]] || continue
        # ldd prints "name => /path (addr)" and, for the loader, "/lib64/ld-linux... (addr)".
        while read -r dep; do
            [[ -n "$dep" && -z "${seen[$dep]:-}" ]] || continue
            seen[$dep]=1
            mkdir -p "$root$(dirname "$dep")"
            cp -L "$dep" "$root$dep"
        done < <(ldd "$file" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(/ { print $1 }')
        if [[ "$file" != "$dir"/* && -z "${seen[$file]:-}" ]]; then
            seen[$file]=1
            mkdir -p "$root$(dirname "$file")"
            cp -L "$file" "$root$file"
        fi
    done
}

# The parts both bases share: busybox as /bin/sh and the usual applets, users, DNS, CA certificates.
base_filesystem() {
    local root="$1" applet
    mkdir -p "$root"/{bin,usr/bin,etc/ssl,usr/lib/ssl,tmp,root,home/app,var/tmp}
    chmod 1777 "$root/tmp" "$root/var/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [[ -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\napp:x:%s:%s:app:/home/app:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
        "$APP_UID" "$APP_UID" >"$root/etc/passwd"
    printf 'root:x:0:\napp:x:%s:\nnogroup:x:65534:\n' "$APP_UID" >"$root/etc/group"
    chown "$APP_UID:$APP_UID" "$root/home/app"
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
    cp -rL /etc/ssl/certs "$root/etc/ssl/certs"
    [[ -f /etc/ssl/openssl.cnf ]] && cp /etc/ssl/openssl.cnf "$root/etc/ssl/openssl.cnf"
    ln -s /etc/ssl/certs "$root/usr/lib/ssl/certs"
    ln -s /etc/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf"
    ln -s /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
}

# import ROOT IMAGE CHANGE...: the folder as a one-layer image with the given Dockerfile settings.
import_root() {
    local root="$1" image="$2"
    shift 2
    local -a changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
    local change
    for change in "$@"; do
        changes+=(--change "$change")
    done
    tar -C "$root" --numeric-owner -c . | docker import "${changes[@]}" - "$image" >/dev/null
}

make_sdk_base() {
    local root="$1" dotnet
    dotnet="$root/usr/share/dotnet"
    mkdir -p "$dotnet/sdk"
    base_filesystem "$root"
    # Everything a `dotnet publish` of a C# web project needs; not F#, templates or the SDK's tools.
    cp -a "$DOTNET_ROOT_DIR"/{dotnet,host,packs,shared,sdk-manifests} "$dotnet/"
    cp -a "$DOTNET_ROOT_DIR/sdk/$SDK_VERSION" "$dotnet/sdk/"
    rm -rf "$dotnet/sdk/$SDK_VERSION"/{FSharp,TestHostNetFramework,DotnetTools}
    local icu
    icu="$(ldconfig -p | awk '$1 ~ /^libicu(uc|i18n|data)\.so\.[0-9]+$/ && /x86-64/ { print $1 }' | sort -u | tr '\n' ' ')"
    [[ -n "$icu" ]] || die "ICU not found (libicu72): the SDK needs it to check resource locales"
    EXTRA_LIBRARIES="$icu" copy_libraries "$root" "$dotnet"
    import_root "$root" "$SDK_IMAGE" \
        'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1' 'ENV DOTNET_NOLOGO=1' 'ENV DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1' \
        'ENV DOTNET_GENERATE_ASPNET_CERTIFICATE=false' 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
        'ENV HOME=/root' 'WORKDIR /' 'CMD ["/bin/sh"]'
}

make_runtime_base() {
    local root="$1" dotnet
    dotnet="$root/usr/share/dotnet"
    mkdir -p "$dotnet/shared/Microsoft.NETCore.App" "$dotnet/shared/Microsoft.AspNetCore.App"
    base_filesystem "$root"
    cp -a "$DOTNET_ROOT_DIR"/{dotnet,host,LICENSE.txt} "$dotnet/"
    cp -a "$DOTNET_ROOT_DIR/shared/Microsoft.NETCore.App/$NETCORE_VERSION" "$dotnet/shared/Microsoft.NETCore.App/"
    cp -a "$DOTNET_ROOT_DIR/shared/Microsoft.AspNetCore.App/$RUNTIME_VERSION" "$dotnet/shared/Microsoft.AspNetCore.App/"
    copy_libraries "$root" "$dotnet"
    # git, as the Dockerfile installs it on the public image (workers pull flow code with it):
    # the host's binary, its helpers (git-remote-http...) and templates, and their libraries.
    local git
    git="$(command -v git)" || die "git not found: the runtime base carries the host's (apt-get install git)"
    mkdir -p "$root/usr/lib" "$root/usr/share"
    cp -a /usr/lib/git-core "$root/usr/lib/"
    [[ -d /usr/share/git-core ]] && cp -a /usr/share/git-core "$root/usr/share/"
    cp -L "$git" "$root/usr/bin/git"
    copy_libraries "$root" "$root/usr/lib/git-core"
    # The public aspnet image's settings, so the Dockerfile behaves the same on either base.
    import_root "$root" "$RUNTIME_IMAGE" \
        "ENV APP_UID=$APP_UID" 'ENV ASPNETCORE_HTTP_PORTS=8080' 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
        'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1' 'WORKDIR /' 'CMD ["/bin/sh"]'
}

# ensure_base IMAGE BUILDER CHECK...: assembles the image unless it exists, then checks it runs.
ensure_base() {
    local image="$1" builder="$2"
    shift 2
    if ! docker image inspect "$image" >/dev/null 2>&1; then
        log "assembling base image $image from $DOTNET_ROOT_DIR"
        local root rc=0
        root="$(mktemp -d)"
        "$builder" "$root" || rc=$?
        rm -rf "$root"
        [[ $rc -eq 0 ]] || die "could not assemble $image"
    fi
    local out
    out="$(docker run --rm --network none "$image" "$@" 2>&1)" \
        || die "base image $image does not run '$*': $out (remove it with 'docker rmi $image' and retry)"
}

ensure_base "$SDK_IMAGE" make_sdk_base dotnet --version
ensure_base "$RUNTIME_IMAGE" make_runtime_base sh -c 'dotnet --list-runtimes && git --version'
if [[ $BASES_ONLY -eq 1 ]]; then
    printf '%s\n%s\n' "$SDK_IMAGE" "$RUNTIME_IMAGE"
    exit 0
fi

# Mirrors the packages Console.Web and Console.Cli restore on this machine into .nuget-feed/ (a NuGet folder feed
# in the build context), so the build stage needs no network: here, DNS from build containers is
# unreliable, and CI should not depend on it.
stage_feed() {
    local feed="$REPO_ROOT/.nuget-feed"
    # Each project of the closure restores its own graph (Core and Worker are not web projects).
    local -a assets=("$REPO_ROOT"/Console.{Core,Worker,Web,Cli}/obj/project.assets.json)
    local packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}" path id version nupkg
    local project
    for project in Console.Web Console.Cli; do
        (cd "$REPO_ROOT" && "$DOTNET" restore "$project/$project.csproj" --nologo -v quiet) >&2 \
            || die "dotnet restore of $project failed on this machine (see above)"
    done
    local -a paths
    mapfile -t paths < <(cat "${assets[@]}" | grep -o '"path": "[^"]*"' | sed 's/"path": "\(.*\)"/\1/' | grep -v '\.csproj$' | sort -u)
    [[ ${#paths[@]} -gt 0 ]] || die "no packages listed in ${assets[*]}"
    mkdir -p "$feed"
    # Drop what the project no longer uses, so the feed (and the cached restore layer) is exact.
    local -A wanted=()
    for path in "${paths[@]}"; do wanted[$path]=1; done
    while IFS= read -r path; do
        [[ -n "${wanted[$path]:-}" ]] || rm -rf "${feed:?}/$path"
    done < <(cd "$feed" && find . -mindepth 2 -maxdepth 2 -type d | sed 's|^\./||')
    for path in "${paths[@]}"; do
        id="${path%/*}" version="${path#*/}"
        nupkg="$id.$version.nupkg"
        [[ -f "$feed/$path/$nupkg" ]] && continue
        [[ -f "$packages/$path/$nupkg" ]] || die "$packages/$path/$nupkg not found (restore Console.Web first)"
        mkdir -p "$feed/$path"
        cp -p "$packages/$path/$nupkg" "$packages/$path/$nupkg.sha512" "$packages/$path/$id.nuspec" "$feed/$path/"
    done
    find "$feed" -mindepth 1 -type d -empty -delete
}
stage_feed

previous="$(docker image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)"
log "building $TAG (SDK_IMAGE=$SDK_IMAGE RUNTIME_IMAGE=$RUNTIME_IMAGE)"
docker build --build-arg "SDK_IMAGE=$SDK_IMAGE" --build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE" --build-arg NUGET_SOURCE=/packages --network none \
    --tag "$TAG" "$REPO_ROOT" >&2 || die "docker build of $TAG failed (see the output above)"
current="$(docker image inspect --format '{{.Id}}' "$TAG")"
if [[ -n "$previous" && "$previous" != "$current" ]]; then
    # The image this tag named before is now untagged: drop it unless something still uses it.
    docker rmi "$previous" >/dev/null 2>&1 || true
fi
log "built $TAG ($current)"
printf '%s\n' "$TAG"
