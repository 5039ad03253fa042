#!/usr/bin/env bash
# Sets up a checkout for tests/run.sh: the Debian packages the tests use (when run as root on a
# machine with apt-get; otherwise it says which to install), then .venv with the test extra.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# What each package is for: ShellCheck runs ansible-test sanity's shell check; iproute2 brings
# up loopback in the inventory matrix's own network namespace; MIT Kerberos gives the Kerberos
# tests a real KDC, and the headers gssapi and krb5 build against; faketime sets a clock off for
# the clock-skew test; chromium renders the fleet report in a real headless browser.
packages=(shellcheck iproute2 krb5-kdc krb5-admin-server krb5-user libkrb5-dev faketime chromium)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null; }
    else
        echo "tests/setup.sh: install these Debian packages first (as root): ${missing[*]}" >&2
        exit 2
    fi
fi
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
