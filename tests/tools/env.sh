# shellcheck shell=bash
# Sourced by tests/run.sh and usable by hand: makes the repo-root collection findable by
# ansible-playbook, ansible-doc, ansible-lint, molecule and pytest without installing it.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$_root/.ansible/collections/ansible_collections/sriov"
ln -sfn ../../../.. "$_root/.ansible/collections/ansible_collections/sriov/hyperv"
export ANSIBLE_COLLECTIONS_PATH="$_root/.ansible/collections"
unset _root
