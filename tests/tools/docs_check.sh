#!/usr/bin/env bash
# The collection's documentation as Galaxy and docs.ansible.com render it, and as the oldest
# ansible-core the collection claims (meta/runtime.yml requires_ansible) shows it:
#   1. antsibull-docs lint-collection-docs --plugin-docs (markup such as O(...) must resolve);
#   2. a Sphinx build of the docs site made by antsibull-docs sphinx-init, failing on any warning
#      except a reference into docs.ansible.com, whose inventory cannot be fetched offline;
#   3. ansible-doc of every module and role on the lowest claimed ansible-core, in a venv of
#      its own kept under .cache (made once, then reused).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
work="$root/.cache/docs-check"
rm -rf "$work/site"
mkdir -p "$work"

echo "--- antsibull-docs lint-collection-docs --plugin-docs"
antsibull-docs lint-collection-docs --plugin-docs .

echo "--- docs site (antsibull-docs sphinx-init, sphinx-build)"
mkdir -m 700 "$work/site"
antsibull-docs sphinx-init --use-current --lenient --fail-on-error --dest-dir "$work/site" sriov.hyperv >/dev/null
# Offline: no intersphinx inventories are fetched, so references into Ansible's own docs
# (docs.ansible.com labels) stay unresolved; those, and only those, are allowed below.
echo "intersphinx_mapping = {}" >> "$work/site/conf.py"
chmod 700 "$work/site/rst"  # antsibull-docs wants it writable by its owner only
antsibull-docs --config-file "$work/site/antsibull-docs.cfg" collection --cleanup everything --fail-on-error \
    --use-current --dest-dir "$work/site/rst" sriov.hyperv >/dev/null
sphinx-build -M html "$work/site/rst" "$work/site/build" -c "$work/site" -q -w "$work/site/warnings.log" 2>/dev/null || true
ansible_labels="ansible_configuration_settings|action_plugins|common_return_values|module_defaults|playbooks_.*"
if grep -vE "WARNING: undefined label: '($ansible_labels)'" "$work/site/warnings.log" | grep -q .; then
    echo "docs_check: the docs site builds with warnings:" >&2
    grep -vE "WARNING: undefined label: '($ansible_labels)'" "$work/site/warnings.log" >&2
    exit 1
fi
[ -f "$work/site/build/html/collections/sriov/hyperv/index.html" ] || { echo "docs_check: no site built" >&2; exit 1; }
echo "docs site: $(find "$work/site/build/html/collections/sriov/hyperv" -name '*.html' | wc -l) pages"

lowest=$(python -c 'import re, yaml; print(re.sub(r"^>=\s*", "", yaml.safe_load(open("meta/runtime.yml"))["requires_ansible"]))')
echo "--- ansible-doc on ansible-core $lowest (meta/runtime.yml requires_ansible)"
venv="$root/.cache/ansible-core-$lowest"
if ! "$venv/bin/ansible-doc" --version 2>/dev/null | grep -q "core $lowest\]"; then
    rm -rf "$venv"
    python -m venv "$venv"
    "$venv/bin/pip" install -q "ansible-core==$lowest" 2> >(grep -v "^WARNING: Location" >&2)
fi
modules=$(find plugins/modules -name '*.py' ! -name '__init__.py' -printf 'sriov.hyperv.%f\n' | sed 's/\.py$//' | sort)
roles=$(find roles -mindepth 1 -maxdepth 1 -type d -printf 'sriov.hyperv.%f\n' | sort)
# ansible-doc exits 0 even when a plugin's documentation fails to load: judge by its output too.
# shellcheck disable=SC2086
out=$("$venv/bin/ansible-doc" -t module $modules 2>&1) || { echo "$out" >&2; exit 1; }
# shellcheck disable=SC2086
roles_out=$("$venv/bin/ansible-doc" -t role $roles 2>&1) || { echo "$roles_out" >&2; exit 1; }
if grep -qE "ERROR|\[WARNING\]: (module|role) .* not found|Traceback" <<<"$out$roles_out"; then
    grep -E "ERROR|WARNING|Traceback" <<<"$out$roles_out" >&2
    exit 1
fi
for name in $modules $roles; do
    grep -q "$name" <<<"$out$roles_out" || { echo "docs_check: ansible-doc $lowest shows nothing for $name" >&2; exit 1; }
done
echo "ansible-doc $lowest: $(wc -w <<<"$modules") modules and $(wc -w <<<"$roles") roles render"
