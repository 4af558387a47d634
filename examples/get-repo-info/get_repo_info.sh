# flow: get-repo-info
# Reports facts about a local git repository: current branch, head commit, commits, files.
# Parameters arrive as JSON in CONSOLE_FLOW_RUN_PARAMETERS, e.g. {"repo_path": "/src/my-repo"};
# without repo_path it reports on this project's own folder. Runs on busybox sh (no jq, no
# find, no dirname) and offline; uses git when it is installed, else reads the .git files.
set -eu

# The value of a string parameter, from one-line JSON (enough for the flat objects runs get).
param() {
    printf '%s' "${CONSOLE_FLOW_RUN_PARAMETERS:-}" | tr -d '\n' |
        sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" |
        sed 's/\\\//\//g; s/\\\\/\\/g'
}

# Files under $1, not counting .git (a subshell per folder keeps each count local).
count_files() {
    n=0
    for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        [ "${entry##*/}" = .git ] && continue
        if [ -d "$entry" ] && [ ! -L "$entry" ]; then
            n=$((n + $(count_files "$entry")))
        else
            n=$((n + 1))
        fi
    done
    echo "$n"
}

# The commit a ref points at: its loose file, else packed-refs.
resolve_ref() {
    if [ -f "$git_dir/$1" ]; then
        head -n 1 "$git_dir/$1"
    elif [ -f "$git_dir/packed-refs" ]; then
        grep " $1\$" "$git_dir/packed-refs" | head -n 1 | cut -d ' ' -f 1
    fi
}

repo_path=$(param repo_path)
if [ -z "$repo_path" ]; then
    case "$0" in
        */*) repo_path="${0%/*}" ;;
        *) repo_path=. ;;
    esac
    echo "No repo_path parameter: reporting on the flow project itself."
fi

if [ ! -d "$repo_path" ]; then
    echo "repo_path '$repo_path' is not a folder on this machine." >&2
    exit 2
fi
repo_path=$(cd "$repo_path" && pwd)

echo "Repository facts for $repo_path"

# The repository is the nearest folder, from repo_path up, that has a .git.
root=$repo_path
while [ ! -e "$root/.git" ] && [ -n "$root" ]; do
    root="${root%/*}"
done
git_dir=
if [ -d "$root/.git" ]; then
    git_dir="$root/.git"
elif [ -f "$root/.git" ]; then
    # A worktree or submodule: .git is a file that says where the git folder is.
    git_dir=$(sed -n 's/^gitdir: //p' "$root/.git")
    case "$git_dir" in /*) ;; *) git_dir="$root/$git_dir" ;; esac
fi

if [ -z "$git_dir" ] || [ ! -f "$git_dir/HEAD" ]; then
    echo "  git repository: no"
else
    echo "  git repository: yes"
    [ "$root" != "$repo_path" ] && echo "  repository:     ${root:-/} (the folder is inside it)"
    head_ref=$(sed -n 's/^ref: //p' "$git_dir/HEAD")
    if [ -n "$head_ref" ]; then
        branch="${head_ref#refs/heads/}"
        commit=$(resolve_ref "$head_ref")
        echo "  current branch: $branch"
    else
        commit=$(head -n 1 "$git_dir/HEAD")
        echo "  current branch: (detached HEAD)"
    fi

    if [ -z "$commit" ]; then
        echo "  commits:        0 (no commit yet)"
    else
        echo "  head commit:    $(printf '%s' "$commit" | cut -c 1-12)"
        if command -v git >/dev/null 2>&1 && count=$(git -C "${root:-/}" rev-list --count HEAD 2>/dev/null); then
            echo "  commits:        $count"
        elif [ -n "$head_ref" ] && [ -f "$git_dir/logs/$head_ref" ]; then
            # Without git the objects (zlib) cannot be walked: the branch's reflog is the record at hand.
            count=$(grep -c '' "$git_dir/logs/$head_ref")
            echo "  commits:        $count recorded in the branch's reflog (git is not installed here)"
            last=$(tail -n 1 "$git_dir/logs/$head_ref" | cut -f 2)
            [ -n "$last" ] && echo "  last change:    $last"
        else
            echo "  commits:        unknown (git is not installed and the branch has no reflog)"
        fi

        branches=0
        [ -d "$git_dir/refs/heads" ] && branches=$(count_files "$git_dir/refs/heads")
        if [ -f "$git_dir/packed-refs" ]; then
            packed=$(grep -c ' refs/heads/' "$git_dir/packed-refs" || true)
            branches=$((branches + packed))
        fi
        echo "  branches:       $branches"
    fi
fi

echo "  files:          $(count_files "$repo_path") (not counting .git)"
