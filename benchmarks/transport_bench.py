#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time of a RunspacePool open plus a whole-host read with the collection's pypsrp runner,
against an emulated host on loopback.

    .venv/bin/python benchmarks/transport_bench.py [--scenario capable] [--auth basic|ntlm]
        [--no-tls] [--iterations 20]

Starts ``hyperv-sriov-emulator serve`` for the run, prints medians and the HTTP requests of one
read, and stops the emulator again.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, ".ansible", "collections"), REPO]


def _link_collection():
    parent = os.path.join(REPO, ".ansible", "collections", "ansible_collections", "sriov")
    os.makedirs(parent, exist_ok=True)
    if not os.path.islink(os.path.join(parent, "hyperv")):
        os.symlink("../../../..", os.path.join(parent, "hyperv"))


def _serve(workdir, scenario, auth, tls):
    ready = os.path.join(workdir, "ready.json")
    command = [sys.executable, "-m", "hyperv_sriov_emulator", "serve", "--scenario", scenario,
               "--ready-file", ready, "--auth", auth] + ([] if tls else ["--no-tls"])
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not os.path.exists(ready):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("emulator did not start: %s" % process.stderr.read().decode(errors="replace"))
        time.sleep(0.05)
    with open(ready, encoding="utf-8") as handle:
        return process, json.load(handle)["hosts"][0]


class _RequestCounter:
    """Counts the HTTP requests pypsrp's transport sends and the time they take."""

    def __init__(self, transport):
        self.count = 0
        self.seconds = 0.0
        self._send = transport.send
        transport.send = self

    def __call__(self, message, *args, **kwargs):
        self.count += 1
        started = time.perf_counter()
        try:
            return self._send(message, *args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


class _DecodeTimer:
    """Time pypsrp spends turning received fragments into objects (CLIXML deserialisation)."""

    def __init__(self, fragmenter):
        self.seconds = 0.0
        self._defragment = fragmenter.defragment
        fragmenter.defragment = self

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self._defragment(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--scenario", default="capable")
    parser.add_argument("--auth", default="basic", choices=["basic", "ntlm"])
    parser.add_argument("--no-tls", action="store_true")
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()

    _link_collection()
    from ansible_collections.sriov.hyperv.plugins.module_utils.host import _host
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import ConnectionOptions
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import PsrpRunner

    with tempfile.TemporaryDirectory(prefix="transport-bench-") as workdir:
        process, host = _serve(workdir, args.scenario, args.auth, not args.no_tls)
        try:
            options = ConnectionOptions(
                hostname=host["hostname"], port=host["port"], username=host["username"],
                password=host["password"], auth=host["auth"], protocol=host["protocol"],
                ca_cert=host.get("ca_cert"),
                message_encryption="never" if host["auth"] == "basic" and host["protocol"] == "http" else "auto",
            )
            opens, reads, totals, requests, objects = [], [], [], [], 0
            on_wire, decoding = [], []
            for _iteration in range(args.iterations):
                runner = PsrpRunner(options)
                started = time.perf_counter()
                runner.open()
                opened = time.perf_counter()
                counter = _RequestCounter(runner._wsman.transport)
                decoder = _DecodeTimer(runner._pool._fragmenter)
                result = runner.run(_host.READ_STATEMENTS)
                done = time.perf_counter()
                requests.append(counter.count)
                on_wire.append(counter.seconds)
                decoding.append(decoder.seconds)
                runner.close()
                opens.append(opened - started)
                reads.append(done - opened)
                totals.append(done - started)
                objects = len(result.output)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

    def ms(values):
        return "median %6.1f ms  min %6.1f ms  max %6.1f ms" % (
            statistics.median(values) * 1000, min(values) * 1000, max(values) * 1000)

    print("scenario %s, %s over %s, %d iterations, %d objects per read, %d statements in one pipeline" % (
        args.scenario, args.auth, "http" if args.no_tls else "https", args.iterations, objects,
        len(_host.READ_STATEMENTS)))
    print("pool open          : %s" % ms(opens))
    print("whole-host read    : %s  (%d HTTP requests: Command, Receive, Signal)" % (
        ms(reads), statistics.median(requests)))
    print("  of which HTTP    : %s  (requests until the answer is back)" % ms(on_wire))
    print("  of which decode  : %s  (pypsrp CLIXML deserialisation)" % ms(decoding))
    print("open + read        : %s" % ms(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
