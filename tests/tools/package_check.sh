#!/usr/bin/env bash
# The emulator installs like a Python tool: `python -m build` makes an sdist and a wheel; the
# wheel installs into a fresh venv that already holds an older ansible-core (a user's), leaves
# that ansible-core alone, and serves a scenario there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$root/.cache/package-check"
older_core="2.19.14"   # older than the collection needs (the issue's dry run): the emulator must not care
rm -rf "$work/dist" "$work/run"
mkdir -p "$work/dist" "$work/run"
cd "$root"
# Without --sdist/--wheel, build makes the sdist and then the wheel from that sdist alone.
python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
wheel=$(ls "$work"/dist/hyperv_sriov_emulator-*.whl)
sdist=$(ls "$work"/dist/hyperv_sriov_emulator-*.tar.gz)
echo "built $(basename "$sdist") and $(basename "$wheel")"

# The wheel came from the sdist; the scenarios must have ridden along.
listing=$(python -m zipfile -l "$wheel")
grep -q "hyperv_sriov_emulator/scenarios/capable.yml" <<<"$listing" \
    || { echo "package_check: the wheel built from the sdist lacks the bundled scenarios" >&2; exit 1; }

venv="$work/venv-core-$older_core"
if ! "$venv/bin/python" -c 'import ansible' 2>/dev/null; then
    rm -rf "$venv"
    python -m venv "$venv"
    "$venv/bin/pip" install -q "ansible-core==$older_core" 2> >(grep -v "^WARNING: Location" >&2)
fi
"$venv/bin/pip" uninstall -q -y hyperv-sriov-emulator >/dev/null 2>&1 || true
"$venv/bin/pip" install -q "$wheel" 2> >(grep -v "^WARNING: Location" >&2)
core=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("ansible-core"))')
if [ "$core" != "$older_core" ]; then
    echo "package_check: installing the emulator changed ansible-core $older_core to $core" >&2
    exit 1
fi
"$venv/bin/hyperv-sriov-emulator" serve --scenario capable --ready-file "$work/run/ready.json" >"$work/run/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do [ -s "$work/run/ready.json" ] && break; sleep 0.1; done
"$venv/bin/hyperv-sriov-emulator" state --ready-file "$work/run/ready.json" --host HV-CAPABLE >"$work/run/state.json"
"$venv/bin/hyperv-sriov-emulator" inventory --ready-file "$work/run/ready.json" >"$work/run/inventory.yml"
grep -q "ansible_connection: psrp" "$work/run/inventory.yml" || { echo "package_check: no inventory" >&2; exit 1; }
kill "$pid"; wait "$pid" || true
trap - EXIT
echo "package_check: the wheel installed beside ansible-core $core (unchanged) and served a scenario"
