#!/usr/bin/env bash
# Runs every test of the collection and the emulator. Usage: tests/run.sh [stage ...]
# Stages (default: all, in this order): pytest units sanity lint changelog docs molecule galaxy package
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ ! -x .venv/bin/python ]; then
    echo "tests/run.sh: no .venv here; run tests/setup.sh (the set-up command of README.md) first" >&2
    exit 2
fi
export PATH="$root/.venv/bin:$PATH"
source "$root/tests/tools/env.sh"

all_stages=(pytest units sanity lint changelog docs molecule galaxy package)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${all_stages[@]}")

ansible_test_dest=""
ansible_test_tree() {
    # ansible-test refuses a symlinked collection root: give it a copy of the tracked files.
    # Built once per run of this script and shared by the units and sanity stages.
    [ -z "$ansible_test_dest" ] || return 0
    local dest="$root/.cache/ansible-test/ansible_collections/sriov/hyperv"
    rm -rf "$root/.cache/ansible-test"
    mkdir -p "$dest"
    git ls-files -z --cached --others --exclude-standard \
        | grep -zv '^hyperv_sriov_emulator/' \
        | xargs -0 tar -cf - --ignore-failed-read 2>/dev/null | tar -xf - -C "$dest"
    (cd "$dest" && git init -q && git add -A >/dev/null 2>&1)
    ansible_test_dest="$dest"
}

run_stage() {
    case "$1" in
        pytest)
            # Exit code 5 means "no tests collected": a real failure for this suite too.
            python -m pytest -q -n 2 tests/emulator tests/e2e
            ;;
        units)
            # Not $(...): a subshell would lose the note that the tree is built.
            ansible_test_tree
            dest=$ansible_test_dest
            (cd "$dest" && ansible-test units --local --python 3.12 -v)
            ;;
        sanity)
            # ansible-test skips its shell check, and still passes, when shellcheck is missing.
            if ! command -v shellcheck >/dev/null 2>&1; then
                echo "tests/run.sh: sanity needs shellcheck (Debian package shellcheck; tests/setup.sh installs it)" >&2
                exit 1
            fi
            ansible_test_tree
            dest=$ansible_test_dest
            mkdir -p ~/.ansible/test/cache
            cp tests/tools/get_pip_offline.py ~/.ansible/test/cache/get_pip_25_2.py
            (cd "$dest" && ansible-test sanity --local --python 3.12 -v)
            ;;
        lint)
            ansible-lint --offline --profile production
            ;;
        changelog)
            antsibull-changelog lint
            ;;
        docs)
            tests/tools/docs_check.sh
            ;;
        molecule)
            # Against the working tree through the .ansible/collections symlink (prerun: false).
            molecule test --all
            ;;
        galaxy)
            tests/tools/galaxy_check.sh
            ;;
        package)
            tests/tools/package_check.sh
            ;;
        *)
            echo "tests/run.sh: unknown stage '$1' (known: ${all_stages[*]})" >&2
            exit 2
            ;;
    esac
}

timings=()
suite_start=$(date +%s)
for stage in "${stages[@]}"; do
    echo "=== stage: $stage"
    stage_start=$(date +%s)
    run_stage "$stage"
    elapsed=$(( $(date +%s) - stage_start ))
    timings+=("$stage ${elapsed}s")
    echo "=== stage $stage passed in ${elapsed}s"
done
joined=$(IFS=,; echo "${timings[*]}")
echo "=== timings: ${joined//,/, }; total $(( $(date +%s) - suite_start ))s"
echo "=== all stages passed: ${stages[*]}"
