#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's in-process speed at scale: a whole-host read and VM bulk operations on a host
with 1,000 VM adapters, and one adapter change with its VF reallocation.

    source tests/tools/env.sh; .venv/bin/python benchmarks/emulator_bench.py [--vms 1000] [--iterations 5]

Prints medians and bests in milliseconds. The tests check behaviour at this scale; this script
is where its speed is watched. The collection's own whole-host read (``READ_STATEMENTS``: VMs and
adapters through Select-Object, the bandwidth settings) is timed as the server runs it, objects
built and then written as CLIXML, with the collector tuned as ``serve`` tunes it;
``benchmarks/run.py`` gives the same read's CPU in the serving process, over the wire.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

from hyperv_sriov_emulator import engine
from hyperv_sriov_emulator.cli import GC_THRESHOLDS
from hyperv_sriov_emulator.scenario import load_scenario_text
from hyperv_sriov_emulator.server import clixml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

READ = [
    ["Get-VMHost"], ["Get-VM"], ["Get-VMSwitch"], ["Get-VMNetworkAdapter", ("All", None)],
    ["Get-NetAdapter", ("Physical", None)], ["Get-NetAdapterSriov"],
    ["Get-NetAdapterAdvancedProperty", ("RegistryKeyword", ["*SRIOV", "*NumVFs"])], ["Get-VMSwitchTeam"],
]


def _statement(spec):
    name, *params = spec
    return [engine.CommandSpec(name, list(params))]


def _collection_read():
    """The collection's whole-host read as engine statements, or None when the collection is not
    importable (tests/tools/env.sh links it under .ansible/collections)."""
    sys.path.insert(0, os.path.join(REPO, ".ansible", "collections"))
    try:
        from ansible_collections.sriov.hyperv.plugins.module_utils.host import _host as host_layer
    except ImportError:
        return None
    return [[engine.CommandSpec(command.name, list(command.parameters.items())) for command in statement]
            for statement in host_layer.READ_STATEMENTS]


def _served(host, statements, write: bool = True):
    """Each statement run, and with ``write`` its output written as CLIXML, as the server runs a
    pipeline: a statement at a time, its objects let go once written."""
    cim = clixml.CimClassCache(host.name)
    result = None
    for statement in statements:
        result = engine.invoke(host, [statement])
        if result.terminating is not None or result.errors:
            return result
        for item in result.output if write else ():
            clixml.output_object(item, cim)
    return result


def _host(vms: int):
    [host] = load_scenario_text("""
hosts:
  - name: BIG
    physical_adapters:
      - {name: SLOT 1 Port 1, interface_description: D1, num_vfs: 64, max_vfs: 64}
    switches:
      - {name: ext, net_adapters: [SLOT 1 Port 1], enable_iov: true}
    vms:
      - {name: "vm{n}", count: %d, state: Running, adapters: [{switch: ext, iov_weight: 5}]}
""" % vms)
    return host


def _time(label: str, iterations: int, action) -> None:
    timings = []
    for dummy in range(iterations):
        started = time.perf_counter()
        result = action()
        timings.append((time.perf_counter() - started) * 1000)
        assert result.terminating is None and not result.errors, result
    print("%-48s median %8.1f ms   best %8.1f ms" % (label, statistics.median(timings), min(timings)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args()
    gc.set_threshold(*GC_THRESHOLDS)
    host = _host(args.vms)
    read = [_statement(spec) for spec in READ]
    print("host with %d VM adapters, 64 VFs, %d iterations" % (args.vms, args.iterations))
    _time("whole-host read (8 statements)", args.iterations, lambda: engine.invoke(host, read))
    collection_read = _collection_read()
    if collection_read is None:
        print("(the collection's read skipped: source tests/tools/env.sh to link the collection)")
    else:
        _time("the collection's read: objects built", args.iterations,
              lambda: _served(host, collection_read, write=False))
        _time("the collection's read: built, written as CLIXML", args.iterations,
              lambda: _served(host, collection_read))
    _time("Get-VMNetworkAdapter -All", args.iterations,
          lambda: engine.invoke(host, [_statement(["Get-VMNetworkAdapter", ("All", None)])]))
    weight = iter(range(10, 10 + args.iterations))
    _time("Set-VMNetworkAdapter -IovWeight (+ VF realloc)", args.iterations,
          lambda: engine.invoke(host, [[engine.CommandSpec("Set-VMNetworkAdapter", [
              ("VMName", "vm1"), ("IovWeight", next(weight))])]]))
    stop = [[engine.CommandSpec("Get-VM", []), engine.CommandSpec("Stop-VM", [("TurnOff", None)])]]
    start = [[engine.CommandSpec("Get-VM", []), engine.CommandSpec("Start-VM", [])]]

    def stop_then_start():
        stopped = engine.invoke(host, stop)
        assert stopped.terminating is None and not stopped.errors, stopped
        return engine.invoke(host, start)

    _time("Get-VM | Stop-VM -TurnOff, then | Start-VM", args.iterations, stop_then_start)


if __name__ == "__main__":
    main()
