#!/usr/bin/env bash
# Builds the example execution environment from this folder of a clone: the collection's release
# tarball first, then the image with ansible-builder (`--create-only`: only the build context in
# ./context, for a machine without podman or docker).
# ansible-builder alone reports success when the tarball is missing (it logs "No matches" for
# additional_build_files) and the image then lacks the collection: this script stops instead.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
collection="${SRIOV_HYPERV_COLLECTION:-$here/../..}"
cd "$here"

rm -f sriov-hyperv-*.tar.gz
ansible-galaxy collection build --force --output-path . "$collection" >/dev/null
built=$(ls sriov-hyperv-*.tar.gz)
wanted=$(sed -n 's/^ *- name: \(collections\/sriov-hyperv-.*\.tar\.gz\)$/\1/p' requirements.yml)
if [ "${wanted#collections/}" != "$built" ]; then
    echo "build.sh: requirements.yml installs '${wanted:-nothing}' but the collection built '$built';" \
        "set its collections[0].name to 'collections/$built'" >&2
    exit 1
fi

if [ "${1:-}" = "--create-only" ]; then
    ansible-builder create -f execution-environment.yml -c context >/dev/null
    if [ ! -f "context/_build/$wanted" ]; then
        echo "build.sh: the build context lacks _build/$wanted, which the image installs" >&2
        exit 1
    fi
    echo "build.sh: build context in $here/context installs $wanted"
else
    ansible-builder build -t "${SRIOV_HYPERV_EE_TAG:-sriov-hyperv-ee}" -f execution-environment.yml
fi
