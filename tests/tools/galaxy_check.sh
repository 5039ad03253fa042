#!/usr/bin/env bash
# Proves the release tarball is complete: build it, install it into an empty collections path,
# check the execution-environment metadata an EE build would read from it, then run the default
# molecule scenario from a project laid out like a user's, against the installed copy only.
# Usage: tests/tools/galaxy_check.sh [scenario]   (default scenario: default)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
scenario="${1:-default}"
work="$root/.cache/galaxy-check"
rm -rf "$work"
mkdir -p "$work/dist" "$work/collections" "$work/project"

cd "$root"
ansible-galaxy collection build --force --output-path "$work/dist" .
tarball=$(ls "$work"/dist/sriov-hyperv-*.tar.gz)
echo "built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

# Nothing of the development tree may ride along in the tarball: every member is checked, and
# each of its parent folders, against galaxy.yml's own build_ignore, so the two cannot drift apart.
if python - "$tarball" <<'PY'
import fnmatch, sys, tarfile, yaml
patterns = yaml.safe_load(open("galaxy.yml"))["build_ignore"]
with tarfile.open(sys.argv[1]) as tar:
    names = [name.removeprefix("./") for name in tar.getnames()]
parts = lambda name: ["/".join(name.split("/")[:i + 1]) for i in range(name.count("/") + 1)]
leaked = sorted(n for n in names if any(fnmatch.fnmatch(p, pat) for p in parts(n) for pat in patterns))
print("\n".join(leaked))
sys.exit(0 if leaked else 1)
PY
then
    echo "galaxy_check: the tarball holds development-only files (above)" >&2
    exit 1
fi

# The unit tests that ride along must run from an installed collection: none may need the
# emulator, which the tarball does not ship.
if tar -xOzf "$tarball" --wildcards 'tests/*.py' 2>/dev/null | grep -q "hyperv_sriov_emulator"; then
    echo "galaxy_check: a test in the tarball imports hyperv_sriov_emulator, which the tarball does not ship" >&2
    exit 1
fi

# What Galaxy itself runs on an upload. Its ansible-lint and ansible-test runs are off: the lint
# and sanity stages run those already.
printf '[galaxy-importer]\nRUN_ANSIBLE_LINT = False\nRUN_FLAKE8 = False\nRUN_ANSIBLE_TEST = False\n' > "$work/importer.cfg"
# It writes importer_result.json into its working directory: the scratch folder, not the checkout.
if ! (cd "$work" && GALAXY_IMPORTER_CONFIG="$work/importer.cfg" python -m galaxy_importer.main "$tarball") \
        > "$work/importer.log" 2>&1 \
    || grep -q "^ERROR" "$work/importer.log"; then
    cat "$work/importer.log" >&2
    echo "galaxy_check: galaxy-importer rejects the tarball" >&2
    exit 1
fi
echo "galaxy-importer: $(tail -1 "$work/importer.log")"

ansible-galaxy collection install --force -p "$work/collections" "$tarball"
installed="$work/collections/ansible_collections/sriov/hyperv"

# What ansible-builder would put into an execution environment for this collection.
ansible-builder introspect "$work/collections" --write-pip "$work/ee-requirements.txt" >/dev/null
for dep in pydantic pypsrp; do
    if ! grep -qi "^$dep" "$work/ee-requirements.txt"; then
        echo "galaxy_check: ansible-builder does not see '$dep' in the installed collection" >&2
        cat "$work/ee-requirements.txt" >&2
        exit 1
    fi
done
echo "execution environment python requirements: $(tr '\n' ' ' < "$work/ee-requirements.txt")"

# The example execution environment, built as its comment says (build.sh from a copy of its
# folder, against this checkout), must produce a build context holding the tarball its
# requirements.yml installs (no container runtime needed for that).
mkdir -p "$work/ee"
cp examples/execution-environment/* "$work/ee/"
SRIOV_HYPERV_COLLECTION="$PWD" "$work/ee/build.sh" --create-only

# A user's project: no galaxy.yml, scenarios under molecule/, the collection from the tarball.
cp -r "$installed/extensions/molecule" "$work/project/molecule"
cd "$work/project"
# molecule keys its state by the project folder's name, which every run of this check shares:
# forget the last run's, so that prepare runs again.
ANSIBLE_COLLECTIONS_PATH="$work/collections" molecule reset -s "$scenario" >/dev/null
ANSIBLE_COLLECTIONS_PATH="$work/collections" molecule test -s "$scenario"
echo "galaxy_check: scenario '$scenario' passed against the installed tarball"
