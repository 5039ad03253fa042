# shellcheck shell=bash
# Sourced by tests/run.sh and usable by hand: makes the repo-root collection findable by
# ansible-playbook, ansible-doc, ansible-lint, molecule and pytest without installing it.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$_root/.ansible/collections/ansible_collections/sriov"
ln -sfn ../../../.. "$_root/.ansible/collections/ansible_collections/sriov/hyperv"
export ANSIBLE_COLLECTIONS_PATH="$_root/.ansible/collections"
# Ansible's home (local temp files, galaxy cache, and molecule's scenario state, which
# ansible-compat keeps under it) in this checkout: under ~/.ansible, molecule keys a scenario's
# state by the project folder's name only, so two checkouts in folders of the same name would
# share, and clobber, each other's state ("config modified", prepare skipped).
export ANSIBLE_HOME="$_root/.ansible"
unset _root
