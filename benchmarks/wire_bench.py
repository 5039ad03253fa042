"""Loopback timings of the emulator over the wire, with the real pypsrp client.

Starts ``hyperv-sriov-emulator serve`` (a real process), then measures the medians of:
- pool open: WSMan session + RunspacePool.open() (a fresh TCP/TLS connection and authentication);
- one pipeline: Get-VMHost on an open pool;
- whole-host read: Get-VMHost; Get-VM; Get-VMSwitch; Get-VMNetworkAdapter -All; Get-NetAdapterSriov
  as five statements of one pipeline.

Usage: python benchmarks/wire_bench.py [--scenario capable] [--auth basic|ntlm] [--no-tls] [-n 20]
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
sys.path.insert(0, REPO)

from pypsrp.powershell import PowerShell, RunspacePool  # noqa: E402
from pypsrp.wsman import WSMan  # noqa: E402

from hyperv_sriov_emulator.server.client import wsman_kwargs  # noqa: E402


def whole_host_read(pool: RunspacePool) -> int:
    ps = PowerShell(pool)
    ps.add_cmdlet("Get-VMHost").add_statement()
    ps.add_cmdlet("Get-VM").add_statement()
    ps.add_cmdlet("Get-VMSwitch").add_statement()
    ps.add_cmdlet("Get-VMNetworkAdapter").add_parameter("All").add_statement()
    ps.add_cmdlet("Get-NetAdapterSriov")
    output = ps.invoke()
    if ps.had_errors or ps.streams.error:
        raise RuntimeError("whole-host read wrote errors: %s" % [str(e) for e in ps.streams.error])
    return len(output)


def median_ms(samples: list[float]) -> str:
    return "%.1f ms" % (statistics.median(samples) * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="capable")
    parser.add_argument("--auth", default="basic", choices=("basic", "ntlm"))
    parser.add_argument("--no-tls", action="store_true")
    parser.add_argument("-n", "--iterations", type=int, default=20)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="wire-bench-")
    ready_path = os.path.join(workdir, "ready.json")
    command = [sys.executable, "-m", "hyperv_sriov_emulator", "serve", "--scenario", args.scenario,
               "--ready-file", ready_path, "--auth", args.auth] + (["--no-tls"] if args.no_tls else [])
    env = dict(os.environ, PYTHONPATH=REPO)
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not os.path.exists(ready_path):
            if server.poll() is not None:
                print(server.stderr.read().decode(), file=sys.stderr)
                return 1
            time.sleep(0.05)
        with open(ready_path) as handle:
            host = json.load(handle)["hosts"][0]
        kwargs = wsman_kwargs(host)

        opens, pipelines, reads = [], [], []
        objects = 0
        for dummy in range(args.iterations):
            started = time.perf_counter()
            wsman = WSMan(**kwargs)
            pool = RunspacePool(wsman)
            pool.open()
            opens.append(time.perf_counter() - started)

            ps = PowerShell(pool)
            ps.add_cmdlet("Get-VMHost")
            started = time.perf_counter()
            ps.invoke()
            pipelines.append(time.perf_counter() - started)

            started = time.perf_counter()
            objects = whole_host_read(pool)
            reads.append(time.perf_counter() - started)
            pool.close()
            wsman.close()

        transport = "%s+%s" % ("http" if args.no_tls else "https", args.auth)
        print("scenario %s, host %s, %s, %d iterations (medians)" % (args.scenario, host["name"], transport,
                                                                     args.iterations))
        print("  pool open:        %s" % median_ms(opens))
        print("  one pipeline:     %s  (Get-VMHost)" % median_ms(pipelines))
        print("  whole-host read:  %s  (%d objects in one pipeline of 5 statements)" % (median_ms(reads), objects))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
