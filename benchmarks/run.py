#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet-scale figures of the collection against emulated hosts, as one table.

    .venv/bin/python benchmarks/run.py [--runs 3] [--forks 5] [--sizes 100,500,1000,2000,5000]
        [--skip plays,latency,pypsrp,emulator] [--latency-profile wan]

Every figure that has a target is a ratio or a difference to an ``ansible.builtin.ping`` play on
the same inventory, measured in the same run, so that a loaded machine moves both sides alike.
Sections:

- decode: a whole-host read of hosts with 100 to 5,000 VM adapters (the curve), split into time
  on the wire and time decoding, and pypsrp's own decoding of the 1,000-adapter read for scale;
- plays: ``host_info`` on the 1,000-adapter host and a no-op ``host_config`` on 20 hosts x 50
  adapters and on 5 named adapters of the 1,000-adapter host, each beside a ping play;
- requests: the HTTP requests of a no-op, a converge and a ``host_info`` run, by WSMan action;
- imports: what the action plugin imports once per ansible-playbook run (in its main process,
  before the workers fork), and what ansible-core's own action base costs for scale;
- latency: the same no-op and read under ``serve --latency-profile`` (docs/emulator-cli.md);
- emulator: start-up time and memory of the emulator serving the 5,000-adapter host.

Timings are medians of ``--runs`` whole runs (processes for the plays). Nothing here asserts a
target: it prints the figures and the targets beside them.
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
import typing as t

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, ".ansible", "collections")
sys.path[:0] = [COLLECTIONS, REPO]

ROWS: list[tuple[str, str, str]] = []


def row(figure: str, value: str, target: str = "") -> None:
    ROWS.append((figure, value, target))
    print("  %-62s %-28s %s" % (figure, value, target), flush=True)


def _link_collection() -> None:
    parent = os.path.join(COLLECTIONS, "ansible_collections", "sriov")
    os.makedirs(parent, exist_ok=True)
    if not os.path.islink(os.path.join(parent, "hyperv")):
        os.symlink("../../../..", os.path.join(parent, "hyperv"))


# --- emulated hosts ---------------------------------------------------------------------------


def host_document(name: str, adapters: int, vms: int | None = None) -> dict[str, t.Any]:
    """A host whose ``adapters`` VM adapters sit on one IOV switch, one adapter per VM (as the
    issue's measurements: 1,000 adapters = 1,000 VMs + 1,000 adapters + the host's objects)."""
    return {
        "name": name,
        "physical_adapters": [{"name": "SLOT 1 Port 1", "num_vfs": 64, "max_vfs": 64}],
        "switches": [{"name": "sriov-ext", "net_adapters": ["SLOT 1 Port 1"], "enable_iov": True}],
        "vms": [{
            "name": "vm{n}", "count": vms or adapters, "state": "Running",
            "adapters": [{"name": "Network Adapter", "switch": "sriov-ext", "iov_weight": 50}],
        }],
    }


class Emulator:
    """One ``hyperv-sriov-emulator serve`` process for the run."""

    def __init__(self, workdir: str, name: str, hosts: list[dict[str, t.Any]], *extra: str) -> None:
        import yaml

        scenario = os.path.join(workdir, name + ".yml")
        with open(scenario, "w", encoding="utf-8") as handle:
            yaml.safe_dump({"hosts": hosts}, handle)
        self.ready_path = os.path.join(workdir, name + ".ready.json")
        command = [sys.executable, "-m", "hyperv_sriov_emulator", "serve", "--scenario", scenario,
                   "--ready-file", self.ready_path] + list(extra)
        started = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 600
        while not os.path.exists(self.ready_path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise SystemExit("emulator did not start: %s" % self.process.stderr.read().decode(errors="replace"))
            time.sleep(0.05)
        self.startup = time.perf_counter() - started
        time.sleep(0.1)  # the ready file is written whole, but give the writer its close
        with open(self.ready_path, encoding="utf-8") as handle:
            self.hosts = {host["name"]: host for host in json.load(handle)["hosts"]}

    def cpu(self) -> float:
        """CPU seconds the emulator process has used so far (user + system)."""
        with open("/proc/%d/stat" % self.process.pid, encoding="utf-8") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory(self) -> tuple[float, float]:
        """Resident and peak resident memory in MiB."""
        values = {}
        with open("/proc/%d/status" % self.process.pid, encoding="utf-8") as handle:
            for line in handle:
                key, _sep, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) / 1024
        return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)

    def inventory(self, path: str, names: t.Iterable[str]) -> str:
        import yaml

        hosts = {}
        for name in names:
            host = self.hosts[name]
            hosts[name] = {
                "ansible_connection": "ansible.builtin.psrp",
                "ansible_host": host["hostname"], "ansible_port": host["port"], "ansible_user": host["username"],
                "ansible_password": host["password"], "ansible_psrp_protocol": host["protocol"],
                "ansible_psrp_auth": host["auth"], "ansible_psrp_ca_cert": host["ca_cert"],
            }
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump({"all": {"children": {"hyperv": {"hosts": hosts}}}}, handle)
        return path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def options_for(host: dict[str, t.Any]) -> t.Any:
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import ConnectionOptions

    return ConnectionOptions(hostname=host["hostname"], port=host["port"], username=host["username"],
                             password=host["password"], auth=host["auth"], protocol=host["protocol"],
                             ca_cert=host.get("ca_cert"))


# --- measuring --------------------------------------------------------------------------------


class RequestLog:
    """Every HTTP request pypsrp's transport sends in this process, by WSMan action, and the wall
    time spent in them (patched on the class: pools opened inside a module run are counted too)."""

    def __init__(self) -> None:
        import re

        from pypsrp.wsman import _TransportHTTP

        self._action = re.compile(rb"<wsa:Action[^>]*>([^<]+)</wsa:Action>")
        self.actions: list[str] = []
        self.seconds = 0.0
        self._class = _TransportHTTP
        self._send = _TransportHTTP.send
        log = self

        def send(transport: t.Any, message: bytes, *args: t.Any, **kwargs: t.Any) -> t.Any:
            match = log._action.search(message)
            action = match.group(1).decode().rsplit("/", 1)[-1] if match else "?"
            log.actions.append(action)
            started = time.perf_counter()
            try:
                return log._send(transport, message, *args, **kwargs)
            finally:
                log.seconds += time.perf_counter() - started

        _TransportHTTP.send = send

    def reset(self) -> None:
        self.actions = []
        self.seconds = 0.0

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for action in self.actions:
            counts[action] = counts.get(action, 0) + 1
        return "%d: %s" % (len(self.actions), ", ".join("%s %d" % item for item in counts.items()))

    def close(self) -> None:
        self._class.send = self._send


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def read_once(emulator: Emulator, host: dict[str, t.Any], fast: bool = True) -> tuple[float, float, float, int, float]:
    """One whole-host read on an open pool: (wall seconds, controller CPU seconds, emulator CPU
    seconds, objects, controller CPU seconds of parsing it and making host_info's facts of it).
    CPU seconds hold still on a loaded machine where wall time does not."""
    from ansible_collections.sriov.hyperv.plugins.module_utils.host import _facts, _host
    from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import parse_observed
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import PsrpRunner

    runner = PsrpRunner(options_for(host))
    runner.fast_decode = fast
    with runner:
        runner.open()
        server = emulator.cpu()
        cpu = time.process_time()
        started = time.perf_counter()
        result = runner.run(_host.READ_STATEMENTS)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        server = emulator.cpu() - server
    parsing = time.process_time()
    _facts.host_facts(parse_observed(result.output))
    return wall, cpu, server, len(result.output), time.process_time() - parsing


def section_decode(emulator: Emulator, sizes: list[int], runs: int, compare_pypsrp: bool) -> None:
    print("\nWhole-host read, one pipeline on an open pool (medians of %d)" % runs)
    cpus = []
    for size in sizes:
        samples = [read_once(emulator, emulator.hosts["hv%d" % size]) for _run in range(runs)]
        wall, cpu, server = (median([s[index] for s in samples]) for index in range(3))
        parsing = median([s[4] for s in samples])
        cpus.append(cpu)
        row("read of %d adapters (%d objects): wall" % (size, samples[0][3]), "%7.0f ms" % (wall * 1000))
        row("  controller CPU (per adapter) / emulator CPU", "%7.0f ms (%3.0f us) / %.0f ms" % (
            cpu * 1000, cpu / size * 1e6, server * 1000))
        row("  controller CPU of parse_observed + host_facts (per adapter)", "%7.0f ms (%3.0f us)" % (
            parsing * 1000, parsing / size * 1e6))
    if len(sizes) > 2:
        # The cost of each further adapter between two sizes: equal along the curve when the read is
        # linear (the per-adapter average of the smallest read also carries the fixed costs).
        marginal = [(cpus[i + 1] - cpus[i]) / (sizes[i + 1] - sizes[i]) for i in range(len(sizes) - 1)]
        row("linearity: controller CPU per further adapter, along the sizes",
            " / ".join("%.0f" % (cost * 1e6) for cost in marginal) + " us", "")
        row("  the last stretch / the first", "%.2f" % (marginal[-1] / marginal[0]), "linear: about 1")
    if compare_pypsrp and "hv1000" in emulator.hosts:
        fast = median([read_once(emulator, emulator.hosts["hv1000"])[1] for _run in range(runs)])
        slow = median([read_once(emulator, emulator.hosts["hv1000"], fast=False)[1] for _run in range(max(1, runs - 1))])
        row("1,000-adapter read, controller CPU: pypsrp decoding / ours", "%.1fx (%.0f vs %.0f ms)" % (
            slow / fast, slow * 1000, fast * 1000))


def section_emulator(workdir: str, size: int, runs: int) -> None:
    """The emulator alone with its largest host: start-up, memory, and reads of it."""
    alone = Emulator(workdir, "alone", [host_document("hv%d" % size, size)])
    try:
        rss, _peak = alone.memory()
        row("emulator with one %d-adapter host: start-up, memory" % size,
            "%6.1f s, %.0f MiB" % (alone.startup, rss))
        samples = [read_once(alone, alone.hosts["hv%d" % size]) for _run in range(runs)]
        rss, peak = alone.memory()
        row("  after %d whole-host reads: emulator CPU per read, memory" % runs, "%6.0f ms, %.0f MiB (peak %.0f)" % (
            median([s[2] for s in samples]) * 1000, rss, peak))
    finally:
        alone.stop()


# --- plays ------------------------------------------------------------------------------------


def ansible_env() -> dict[str, str]:
    env = dict(os.environ)
    env["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("ANSIBLE_HOST_KEY_CHECKING", "false")
    env["ANSIBLE_RETRY_FILES_ENABLED"] = "false"
    env["ANSIBLE_NOCOLOR"] = "1"
    return env


def write_play(path: str, tasks: list[dict[str, t.Any]]) -> str:
    import yaml

    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump([{"name": "bench", "hosts": "hyperv", "gather_facts": False, "tasks": tasks}], handle,
                       sort_keys=False)
    return path


def children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def run_play(inventory: str, play: str, forks: int, expect_changed: bool = False) -> tuple[float, float]:
    """(wall seconds, CPU seconds of ansible-playbook and its workers and modules)."""
    cpu = children_cpu()
    command = ["ansible-playbook", "-i", inventory, play, "-f", str(forks),
               "-e", "ansible_python_interpreter=%s" % sys.executable]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=ansible_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit("play %s failed:\n%s\n%s" % (play, done.stdout[-4000:], done.stderr[-2000:]))
    if not expect_changed and "changed=0" not in done.stdout.split("PLAY RECAP", 1)[-1]:
        raise SystemExit("play %s changed something; a benchmark no-op must not:\n%s" % (play, done.stdout[-3000:]))
    return elapsed, children_cpu() - cpu


class Compared(t.NamedTuple):
    ping: float
    play: float
    ping_cpu: float
    play_cpu: float
    extra: list[float]
    """Per round: the play's wall seconds minus those of the ping play run just before it."""
    ratio: list[float]
    """Per round: the play's wall seconds over those of the ping play run just before it."""

    def spread(self, values: list[float], form: str) -> str:
        """The middle half of ``values`` (the lowest and highest with fewer than 4 runs). On a
        shared 2-core machine one play's wall time moves by a second from run to run; the
        spread says how far a median of a few runs can be trusted."""
        if len(values) < 2:
            return ""
        low, high = (statistics.quantiles(values, n=4)[0::2] if len(values) >= 4 else (min(values), max(values)))
        return "; %s %s to %s" % ("middle half" if len(values) >= 4 else "range", form % low, form % high)


def compare_plays(inventory: str, baseline: str, play: str, forks: int, runs: int) -> Compared:
    """Alternating runs of the ping play and ``play``; the medians of wall and CPU seconds, and
    each round's difference and ratio to the ping play run just before it."""
    pings, plays = [], []
    for _run in range(runs):
        pings.append(run_play(inventory, baseline, forks))
        plays.append(run_play(inventory, play, forks))
    return Compared(median([p[0] for p in pings]), median([p[0] for p in plays]),
                    median([p[1] for p in pings]), median([p[1] for p in plays]),
                    [b[0] - a[0] for a, b in zip(pings, plays)], [b[0] / a[0] for a, b in zip(pings, plays)])


def count_values(value: t.Any) -> int:
    """The nodes of a result: every mapping, list and scalar in it."""
    if isinstance(value, dict):
        return 1 + sum(count_values(item) for item in value.values())
    if isinstance(value, list):
        return 1 + sum(count_values(item) for item in value)
    return 1


def core_result_cost(result: dict[str, t.Any]) -> float:
    """CPU seconds ansible-core spends making a task result native for its callbacks (the main
    process does it for every result it shows; its cost grows with the values, not the bytes)."""
    from ansible.utils.vars import transform_to_native_types

    cpu = time.process_time()
    transform_to_native_types(result)
    return time.process_time() - cpu


def no_op_config(adapters: int, names: t.Iterable[int] | None = None, switches: bool = True) -> dict[str, t.Any]:
    """The host's own settings as a host_config ``config``. Without ``switches`` the task names
    only adapters, which is what lets host_config read only their VMs (a switch item makes it read
    the whole host: a change to a switch reaches every adapter on it)."""
    wanted = list(names) if names is not None else list(range(1, adapters + 1))
    config: dict[str, t.Any] = {
        "vm_adapters": [{"vm_name": "vm%d" % number, "name": "Network Adapter", "switch_name": "sriov-ext",
                         "iov_weight": 50} for number in wanted],
    }
    if switches:
        config["switches"] = [{"name": "sriov-ext", "enable_iov": True}]
    return config


def section_plays(workdir: str, curve: Emulator, fleet: Emulator, far: Emulator | None, forks: int, runs: int) -> None:
    ping_task = {"name": "ping", "ansible.builtin.ping": None, "vars": {"ansible_connection": "local"}}
    ping = write_play(os.path.join(workdir, "ping.yml"), [ping_task])
    print("\nPlays (whole ansible-playbook processes, %d forks, medians of %d, alternating with ping)" % (forks, runs))

    sizes = sorted(int(name[2:]) for name in curve.hosts)
    size = 1000 if 1000 in sizes else sizes[-1]
    big = curve.inventory(os.path.join(workdir, "big.yml"), ["hv%d" % size])
    info = write_play(os.path.join(workdir, "info.yml"), [{"name": "info", "sriov.hyperv.host_info": {}}])
    got = compare_plays(big, ping, info, forks, runs)
    row("ping play, 1 host: wall / CPU", "%6.2f s / %.2f s" % (got.ping, got.ping_cpu))
    row("host_info play, %d-adapter host: extra over ping, wall" % size, "%+6.2f s (%.2f s%s)" % (
        median(got.extra), got.play, got.spread(got.extra, "%+.2f")), "target <= +0.50 s")
    row("  the same in CPU seconds (controller side, not the emulator)", "%+6.2f s" % (got.play_cpu - got.ping_cpu))
    info_args = connection_args(curve.hosts["hv%d" % size])
    in_worker, core = [], []
    run_module("HOST_INFO", info_args)  # the worker has its imports done before it forks; so does this then
    for _run in range(runs):
        cpu = time.process_time()
        result = run_module("HOST_INFO", info_args)
        in_worker.append(time.process_time() - cpu)
        core.append(core_result_cost(result))
    row("  of which the run in the worker (read, decode, facts), CPU", "%6.2f s" % median(in_worker))
    row("  and ansible-core's own pass over the result for the callback", "%6.2f s (%d values)" % (
        median(core), count_values(result)))
    # The same number of bytes as one value: what the pass costs is the values, not the size.
    size_bytes = len(json.dumps(result))
    blob = {"changed": False, "blob": "x" * size_bytes}
    row("    the same pass over a result of as many bytes in one string", "%6.3f s (%.2f MB)" % (
        median([core_result_cost(blob) for _run in range(runs)]), size_bytes / 1e6))

    targeted = write_play(os.path.join(workdir, "targeted.yml"), [{
        "name": "no-op on 5 named adapters", "sriov.hyperv.host_config": {
            "state": "merged", "config": no_op_config(size, [1, size // 4, size // 2, 3 * size // 4, size], switches=False)}}])
    got = compare_plays(big, ping, targeted, forks, runs)
    spread = got.spread(got.extra, "%+.2f").lstrip("; ")
    row("no-op on 5 named adapters of a %d-adapter host: extra over ping, wall" % size, "%+6.2f s%s" % (
        median(got.extra), " (%s)" % spread if spread else ""))
    row("  the same in CPU seconds", "%+6.2f s" % (got.play_cpu - got.ping_cpu))
    module_time = []
    args = dict(connection_args(curve.hosts["hv%d" % size]), state="merged",
                config=no_op_config(size, [1, size // 4, size // 2, 3 * size // 4, size], switches=False))
    for _run in range(runs):
        started = time.perf_counter()
        result = run_module("HOST_CONFIG", args)
        module_time.append(time.perf_counter() - started)
        if result.get("failed") or result.get("changed"):
            raise SystemExit("the targeted no-op did not do what the benchmark expects: %s" % result)
    row("  its module time (the run in the worker: validate, read, plan)", "%6.2f s" % median(module_time),
        "target <= 0.50 s")

    names = sorted(fleet.hosts)
    fleet_inventory = fleet.inventory(os.path.join(workdir, "fleet.yml"), names)
    noop = write_play(os.path.join(workdir, "noop.yml"), [{
        "name": "no-op", "sriov.hyperv.host_config": {"state": "merged", "config": no_op_config(50)}}])
    got = compare_plays(fleet_inventory, ping, noop, forks, runs)
    row("ping play, %d hosts: wall / CPU" % len(names), "%6.2f s / %.2f s" % (got.ping, got.ping_cpu))
    row("no-op host_config, %d hosts x 50 adapters / ping, wall" % len(names),
        "%6.2fx (%.2f s%s)" % (median(got.ratio), got.play, got.spread(got.ratio, "%.2fx")), "target <= 1.5x")
    row("  the same in CPU seconds", "%6.2fx (%.2f s)" % (got.play_cpu / got.ping_cpu, got.play_cpu))
    if far is not None:
        far_inventory = far.inventory(os.path.join(workdir, "far.yml"), sorted(far.hosts))
        got = compare_plays(far_inventory, ping, noop, forks, runs)
        row("the same no-op under --latency-profile wan / ping", "%6.2fx (%.2f s%s)" % (
            median(got.ratio), got.play, got.spread(got.ratio, "%.2fx")),
            "what round trips cost on a real fleet")


# --- requests ---------------------------------------------------------------------------------


def run_module(definition_name: str, args: dict[str, t.Any]) -> dict[str, t.Any]:
    """One run of a module in this process, as the action plugin runs it in a worker; its result."""
    from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module

    definition = getattr(_module, definition_name)
    return _module.run_in_process(definition, definition_name.lower(), args)


def connection_args(host: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"hostname": host["hostname"], "port": host["port"], "username": host["username"],
            "password": host["password"], "auth": host["auth"], "protocol": host["protocol"],
            "ca_cert": host["ca_cert"]}


def section_requests(fleet: Emulator, label: str = "", short: str = "") -> None:
    """Requests and in-process time of each kind of module run on one host of ``fleet``."""
    host = fleet.hosts[sorted(fleet.hosts)[0]]
    conn = connection_args(host)
    log = RequestLog()
    try:
        print("\nHTTP requests per module run%s (by WSMan action; one 50-adapter host)" % label)
        scenarios = [
            ("host_info", "HOST_INFO", dict(conn), False),
            ("no-op host_config (merged, 50 adapters)", "HOST_CONFIG",
             dict(conn, state="merged", config=no_op_config(50)), False),
            ("converge: iov_weight of 10 adapters", "HOST_CONFIG",
             dict(conn, state="merged", config={"vm_adapters": [
                 {"vm_name": "vm%d" % n, "name": "Network Adapter", "iov_weight": 60} for n in range(1, 11)]}), True),
            ("converge back", "HOST_CONFIG",
             dict(conn, state="merged", config=no_op_config(50, range(1, 11))), True),
        ]
        for name, definition, args, changes in scenarios:
            log.reset()
            started = time.perf_counter()
            result = run_module(definition, args)
            elapsed = time.perf_counter() - started
            if result.get("failed") or bool(result.get("changed")) != changes:
                raise SystemExit("%s did not do what the benchmark expects: %s" % (name, result))
            row(name + (" (%s)" % short if short else ""), log.summary(), "%.0f ms in process" % (elapsed * 1000))
    finally:
        log.close()


# --- imports ----------------------------------------------------------------------------------


def section_imports(runs: int) -> None:
    print("\nImports, once per ansible-playbook run in its main process (CPU time, fresh interpreters, medians of %d)"
          % runs)
    env = ansible_env()
    env["PYTHONPATH"] = COLLECTIONS

    def cost(statement: str) -> float:
        code = "import time; s = time.process_time(); %s; print(time.process_time() - s)" % statement
        samples = []
        for _run in range(runs):
            done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            samples.append(float(done.stdout.strip().splitlines()[-1]))
        return median(samples)

    base = cost("import ansible.plugins.action")
    row("ansible.plugins.action (ansible-core's action base: every action pays it)", "%5.0f ms" % (base * 1000))
    # ansible-playbook loads every connection plugin before the first play (PlaybookExecutor.run,
    # "preload become/connection/shell"), and ansible.builtin.psrp imports pypsrp, requests and
    # cryptography: with pypsrp installed, a ping play pays them too. What the collection adds is
    # measured on top of them.
    core = "import ansible.plugins.action, ansible.plugins.connection.psrp; s = time.process_time(); "
    row("ansible.builtin.psrp on top (pypsrp, requests, cryptography: every play loads it)", "%5.0f ms" % (
        cost("import ansible.plugins.action; s = time.process_time(); import ansible.plugins.connection.psrp") * 1000))
    for label, statement in [
        ("host_info's action plugin on top of both (pydantic, the models, the reader)",
         core + "import ansible_collections.sriov.hyperv.plugins.action.host_info"),
        ("host_config's action plugin on top of both (the planner too)",
         core + "import ansible_collections.sriov.hyperv.plugins.action.host_config"),
        ("  of which pydantic alone", core + "import pydantic.main"),
    ]:
        row(label, "%5.0f ms" % (cost(statement) * 1000))


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--forks", type=int, default=5, help="forks of every play (Ansible's default: 5)")
    parser.add_argument("--sizes", default="100,500,1000,2000,5000")
    parser.add_argument("--fleet", type=int, default=20, help="hosts of the no-op fleet play")
    parser.add_argument("--skip", default="", help="comma-separated sections to skip: "
                        "decode,pypsrp,plays,requests,imports,latency")
    parser.add_argument("--latency-profile", default="wan", help="the profile of the latency section")
    args = parser.parse_args()
    # Stopped from outside, still stop the emulators (the finally below).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    skip = set(filter(None, args.skip.split(",")))
    sizes = [int(size) for size in args.sizes.split(",")]
    _link_collection()

    with tempfile.TemporaryDirectory(prefix="sriov-bench-") as workdir:
        emulators: list[Emulator] = []
        try:
            print("Starting emulated hosts ...", flush=True)
            curve = Emulator(workdir, "curve", [host_document("hv%d" % size, size) for size in sizes])
            emulators.append(curve)
            fleet = Emulator(workdir, "fleet", [host_document("fleet%02d" % n, 50) for n in range(1, args.fleet + 1)])
            emulators.append(fleet)
            far = None
            if "latency" not in skip:
                far = Emulator(workdir, "far", [host_document("far%02d" % n, 50) for n in range(1, args.fleet + 1)],
                               "--latency-profile", args.latency_profile)
                emulators.append(far)
            print("\nEmulator")
            row("emulator serving hosts of %s adapters: start-up" % "+".join(map(str, sizes)), "%6.1f s" % curve.startup)
            if "decode" not in skip:
                section_decode(curve, sizes, args.runs, "pypsrp" not in skip)
            rss, peak = curve.memory()
            row("emulator memory after the reads (resident / peak)", "%6.0f / %.0f MiB" % (rss, peak))
            if "emulator" not in skip:
                section_emulator(workdir, max(sizes), args.runs)
            if "requests" not in skip:
                section_requests(fleet)
                if far is not None:
                    section_requests(far, " under --latency-profile %s" % args.latency_profile, args.latency_profile)
            if "imports" not in skip:
                section_imports(args.runs)
            if "plays" not in skip:
                section_plays(workdir, curve, fleet, far, args.forks, args.runs)
        finally:
            for emulator in emulators:
                emulator.stop()

    print("\n| figure | measured | target |\n|---|---|---|")
    for figure, value, target in ROWS:
        print("| %s | %s | %s |" % (figure.strip(), value.strip(), target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
