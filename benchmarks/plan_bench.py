#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read, parse and plan for a host with many VM adapters, in process (no network).

    .venv/bin/python benchmarks/plan_bench.py [--vms 1000]

Prints the time of the whole-host read with its parsing, and of planning a change of every
adapter's IOV weight under the merged and overridden states.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, ".ansible", "collections"), REPO]

# pylint: disable=wrong-import-position
from ansible_collections.sriov.hyperv.plugins.module_utils.host import _host  # noqa: E402
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile import _reconcile  # noqa: E402
from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _spec  # noqa: E402
from hyperv_sriov_emulator.inprocess import InProcessRunner  # noqa: E402
from hyperv_sriov_emulator.scenario import load_scenario_text  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    args = parser.parse_args()
    [host] = load_scenario_text("""
hosts:
  - name: BIG
    physical_adapters:
      - {name: SLOT 1 Port 1, interface_description: D1, num_vfs: 64, max_vfs: 64}
    switches:
      - {name: ext, net_adapters: [SLOT 1 Port 1], enable_iov: true}
    vms:
      - {name: "vm{n}", count: %d, state: Running, adapters: [{switch: ext, iov_weight: 5}]}
""" % args.vms)
    started = time.perf_counter()
    observed = _host.read_host(InProcessRunner(host))
    print("read + parse of %d adapters: %8.1f ms" % (args.vms, (time.perf_counter() - started) * 1000))
    want = _spec.parse_config({"vm_adapters": [
        {"vm_name": "vm%d" % number, "name": "Network Adapter", "iov_weight": 10 + number % 50}
        for number in range(1, args.vms + 1)]})
    for state in ("merged", "overridden"):
        started = time.perf_counter()
        plan = _reconcile.plan(want, observed, state, _reconcile.Policy())
        elapsed = (time.perf_counter() - started) * 1000
        print("plan (%-10s) %5d operations: %8.1f ms" % (state, len(plan.operations), elapsed))


if __name__ == "__main__":
    main()
