#!/usr/bin/env bash
# Build the compatibility suite's framework environments, outside the repository: one
# virtual environment per tests/compat/requirements-<env>.txt, in
# $MOCKAPI_COMPAT_DIR/<env> (default ${XDG_CACHE_HOME:-$HOME/.cache}/mockapi-compat).
#
# Idempotent and fast when built: an environment whose stamp names the same
# requirements file (by hash) and the same python is left alone. Otherwise it is made
# anew and filled with exactly the pinned packages (--no-deps; pip check then proves
# the pins complete). The environments are built in parallel.
#
# Usage: tests/compat/build.sh [ENV...]   (default: every requirements-*.txt)
# PYTHON names the interpreter to build with (default python3).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="${MOCKAPI_COMPAT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mockapi-compat}"
python="${PYTHON:-python3}"

if [ "$#" -gt 0 ]; then
  envs=("$@")
else
  envs=()
  for file in "$here"/requirements-*.txt; do
    name="${file##*/requirements-}"
    envs+=("${name%.txt}")
  done
fi

# The stamp: what an environment was built from. Kept in sync with
# tests/compat/test_frameworks.py, which skips an environment whose stamp differs.
stamp_of() {
  local requirements="$1"
  printf '%s python-%s\n' "$(sha256sum "$requirements" | cut -d' ' -f1)" \
    "$("$python" -c 'import platform; print(platform.python_version())')"
}

build() {
  local env="$1"
  local requirements="$here/requirements-$env.txt"
  local dir="$root/$env"
  local log="$root/$env.log"
  if [ ! -f "$requirements" ]; then
    echo "compat: no $requirements (environments: ${envs[*]})" >&2
    return 2
  fi
  local want
  want="$(stamp_of "$requirements")"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.mockapi-stamp" 2>/dev/null)" = "$want" ]; then
    echo "compat: $env is up to date ($dir)"
    return 0
  fi
  echo "compat: building $env in $dir"
  rm -rf "$dir"
  if ! {
    "$python" -m venv "$dir" &&
      "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
        -r "$requirements" &&
      "$dir/bin/python" -m pip check --disable-pip-version-check
  } >"$log" 2>&1; then
    echo "compat: building $env failed; the last lines of $log:" >&2
    grep -v "^WARNING: Location" "$log" | tail -20 | cut -c1-300 >&2
    return 1
  fi
  echo "$want" >"$dir/.mockapi-stamp"
  echo "compat: built $env"
}

mkdir -p "$root"
pids=()
for env in "${envs[@]}"; do
  build "$env" &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
exit "$status"
