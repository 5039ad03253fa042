"""``hyperv-sriov-emulator``: serve emulated Hyper-V hosts and drive them from outside.

Subcommands: serve, inventory, state, invoke, fault (docs/emulator-cli.md is the reference).
Errors in arguments, ready files or scenario files are one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import typing as t

PROG = "hyperv-sriov-emulator"
ENV_USERNAME = "HYPERV_SRIOV_EMULATOR_USERNAME"
ENV_PASSWORD = "HYPERV_SRIOV_EMULATOR_PASSWORD"


class UsageError(Exception):
    """A problem with what the user gave us: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> t.NoReturn:  # one clear line, not a usage dump
        raise UsageError(message)


# -- the engine, behind one seam ------------------------------------------------------------------
STATE_FILE = "state.json"


def _engine_for(state_dir: str | None, hosts: t.Sequence[t.Any]) -> t.Any:
    from . import engine, persistence
    from .server import Engine

    save_lock = threading.Lock()

    def on_mutation(_host: t.Any) -> None:
        if state_dir:
            # Serialised so that a later snapshot can never be overwritten by an earlier one.
            with save_lock:
                persistence.save_state(os.path.join(state_dir, STATE_FILE), hosts)

    def state_view(host: t.Any) -> t.Any:
        with host.lock:
            return host.to_dict()

    return Engine(invoke=engine.invoke, command_spec=engine.CommandSpec, state_view=state_view,
                  on_mutation=on_mutation)


def _load_hosts(scenario: str, state_dir: str | None) -> list[t.Any]:
    from . import persistence, scenario as scenario_mod

    try:
        hosts = list(scenario_mod.load_scenario(scenario))
    except scenario_mod.ScenarioError as err:
        raise UsageError(_one_line(err)) from None
    if not hosts:
        raise UsageError("%s: the scenario has no hosts" % scenario)
    names = [host.name.lower() for host in hosts]
    if len(set(names)) != len(names):
        raise UsageError("%s: host names must be unique" % scenario)
    saved_path = os.path.join(state_dir, STATE_FILE) if state_dir else None
    if saved_path and os.path.exists(saved_path):
        try:
            saved = {host.name.lower(): host for host in persistence.load_state(saved_path)}
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise UsageError("%s: cannot load the saved state: %s" % (saved_path, _one_line(err))) from None
        # Saved state wins over the scenario, so a restart loses nothing; the scenario still
        # decides which hosts are served and on which ports.
        restored = []
        for host in hosts:
            previous = saved.get(host.name.lower())
            if previous is not None:
                previous.port = host.port
                host = previous
            restored.append(host)
        hosts = restored
    return hosts


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


# -- serve ----------------------------------------------------------------------------------------
# A read of a large host builds its objects a statement at a time and keeps them until they are
# written. With Python's default thresholds (a young collection every 700 allocations) the
# collector ran some 2,000 times per read of a 5,000-adapter host and went over the whole heap
# about ten times: 1.6 s of CPU, about as much as building and writing the objects. The objects
# are plain data that reference counting frees, so collecting less often keeps little garbage.
GC_THRESHOLDS = (50000, 20, 10)


def cmd_serve(args: argparse.Namespace) -> int:
    from .latency import LatencyProfile, parse_profile
    from .server import EmulatorServer, ServeOptions, write_private_json

    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    if args.auth == "certificate" and args.no_tls:
        raise UsageError("--auth certificate needs TLS: drop --no-tls")
    try:
        latency = parse_profile(args.latency_profile) if args.latency_profile else LatencyProfile()
    except ValueError as err:
        raise UsageError(str(err)) from None
    _claim_ready_file(args.ready_file)
    gc.set_threshold(*GC_THRESHOLDS)
    state_dir = os.path.abspath(args.state_dir) if args.state_dir else None
    if state_dir:
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
    hosts = _load_hosts(args.scenario, state_dir)

    temp_dir = None
    if state_dir:
        work_dir = os.path.join(state_dir, "run")
    else:
        temp_dir = tempfile.mkdtemp(prefix="hyperv-sriov-emulator-")
        work_dir = temp_dir
    options = ServeOptions(
        listen=args.listen,
        first_port=args.port or 0,
        auth=args.auth,
        tls=not args.no_tls,
        work_dir=work_dir,
        username=os.environ.get(ENV_USERNAME) or None,
        password=os.environ.get(ENV_PASSWORD) or None,
        keytab=os.path.abspath(args.keytab) if args.keytab else None,
        spn=args.spn,
        latency=latency,
    )
    engine = _engine_for(state_dir, hosts)
    try:
        server = EmulatorServer(hosts, options, engine)
    except ValueError as err:
        raise UsageError(_one_line(err)) from None
    stop = threading.Event()

    def on_signal(_signum: int, _frame: t.Any) -> None:
        # A repeated signal while saving and closing must not kill the process half-way.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        info = server.start()
    except OSError as err:
        raise UsageError("cannot listen on %s: %s" % (args.listen, err.strerror or err)) from None
    info["state_dir"] = state_dir
    write_private_json(args.ready_file, info)
    print("%s: serving %d host(s) on %s (%s, %s); ready file %s" % (
        PROG, len(hosts), args.listen, "https" if not args.no_tls else "http", args.auth, args.ready_file),
        file=sys.stderr, flush=True)
    try:
        # The wait is interrupted by the signal handler, so SIGTERM is answered at once.
        while not stop.wait(3600):
            pass
    finally:
        server.stop()
        if engine.on_mutation is not None:
            engine.on_mutation(None)
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0


def _pid_alive(pid: t.Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _claim_ready_file(path: str) -> None:
    """Refuse a ready file of a running emulator; remove one that a stopped emulator left."""
    try:
        with open(path, encoding="utf-8") as handle:
            pid = json.load(handle).get("pid")
    except FileNotFoundError:
        return
    except (OSError, ValueError, AttributeError):
        pid = None
    if _pid_alive(pid) and pid != os.getpid():
        raise UsageError("ready file %s belongs to an emulator that is still running (pid %s): stop it "
                         "first or choose another --ready-file" % (path, pid))
    os.unlink(path)


# -- ready-file readers ---------------------------------------------------------------------------
def _read_ready(path: str) -> dict[str, t.Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            ready = json.load(handle)
    except FileNotFoundError:
        raise UsageError("ready file %s does not exist (is the emulator serving?)" % path) from None
    except (OSError, ValueError) as err:
        raise UsageError("ready file %s is not readable JSON: %s" % (path, _one_line(err))) from None
    if not isinstance(ready, dict) or not isinstance(ready.get("hosts"), list):
        raise UsageError("ready file %s has no hosts list" % path)
    if "pid" in ready and not _pid_alive(ready["pid"]):
        raise UsageError("ready file %s was left by an emulator that is no longer running (pid %s): "
                         "start hyperv-sriov-emulator serve again" % (path, ready["pid"]))
    return ready


def _host(ready: dict[str, t.Any], name: str) -> dict[str, t.Any]:
    for host in ready["hosts"]:
        if host["name"].lower() == name.lower():
            return host
    raise UsageError("no host named %s in the ready file (hosts: %s)" % (
        name, ", ".join(host["name"] for host in ready["hosts"])))


def cmd_inventory(args: argparse.Namespace) -> int:
    import yaml

    ready = _read_ready(args.ready_file)
    hosts: dict[str, t.Any] = {}
    for host in ready["hosts"]:
        entry: dict[str, t.Any] = {
            "ansible_host": host["hostname"],
            "ansible_port": host["port"],
            "ansible_connection": "psrp",
            "ansible_psrp_protocol": host["protocol"],
            "ansible_psrp_auth": host["auth"],
        }
        if host["auth"] == "certificate":
            entry["ansible_psrp_certificate_pem"] = host["client_cert"]
            entry["ansible_psrp_certificate_key_pem"] = host["client_key"]
        elif host["auth"] != "kerberos":
            # A Kerberos-only host has no account of its own: the realm's user comes from kinit's
            # ticket cache, or ansible_user/ansible_password added by hand.
            entry["ansible_user"] = host["username"]
            entry["ansible_password"] = host["password"]
        if host.get("spn"):
            service, _, name = host["spn"].partition("/")
            if service.lower() != "host":
                entry["ansible_psrp_negotiate_service"] = service
            if name.lower() != str(host["hostname"]).lower():
                entry["ansible_psrp_negotiate_hostname_override"] = name
        if host["protocol"] == "https":
            entry["ansible_psrp_cert_validation"] = "validate"
            entry["ansible_psrp_ca_cert"] = host["ca_cert"]
        elif host["auth"] == "basic":
            entry["ansible_psrp_message_encryption"] = "never"
        hosts[host["name"]] = entry
    yaml.safe_dump({"all": {"children": {args.group: {"hosts": hosts}}}}, sys.stdout, sort_keys=False)
    return 0


def cmd_state(args: argparse.Namespace) -> int:
    from .server.client import ControlError, call_control

    ready = _read_ready(args.ready_file)
    targets = [_host(ready, args.host)] if args.host else ready["hosts"]
    try:
        answers = {host["name"]: call_control(ready, host, "state", {}) for host in targets}
    except ControlError as err:
        print("%s: %s" % (PROG, err), file=sys.stderr)
        return 1
    if args.host:
        json.dump(answers[targets[0]["name"]]["state"], sys.stdout, indent=2)
    else:
        json.dump({name: answer["state"] for name, answer in answers.items()}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _parse_parameter(text: str) -> tuple[str, t.Any]:
    name, sep, raw = text.partition("=")
    name = name.strip().lstrip("-")
    if not name:
        raise UsageError("-p needs Name=Value or Name, not %r" % text)
    if not sep:
        return name, None
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def cmd_invoke(args: argparse.Namespace) -> int:
    import requests
    from pypsrp.exceptions import AuthenticationError, WinRMError, WSManFaultError
    from pypsrp.powershell import PowerShell, RunspacePool
    from pypsrp.wsman import WSMan

    from .server.client import error_to_plain, object_to_plain, wsman_kwargs

    ready = _read_ready(args.ready_file)
    host = _host(ready, args.host)
    parameters = [_parse_parameter(text) for text in args.parameter or ()]
    try:
        with WSMan(**wsman_kwargs(host)) as wsman, RunspacePool(wsman) as pool:
            ps = PowerShell(pool)
            ps.add_cmdlet(args.cmdlet)
            for name, value in parameters:
                ps.add_parameter(name, value)
            output = ps.invoke()
            errors = list(ps.streams.error)
            failed = bool(ps.had_errors)
    except (AuthenticationError, WinRMError, WSManFaultError, requests.RequestException, OSError) as err:
        print("%s: cannot run %s on %s: %s" % (PROG, args.cmdlet, host["name"], _one_line(err)), file=sys.stderr)
        return 1
    json.dump([object_to_plain(obj) for obj in output], sys.stdout, indent=2)
    sys.stdout.write("\n")
    for record in errors:
        plain = error_to_plain(record)
        print("%s: error [%s] %s: %s" % (PROG, plain["category"], plain["fqid"], plain["message"]), file=sys.stderr)
    return 1 if failed or errors else 0


def cmd_fault(args: argparse.Namespace) -> int:
    from .server.client import ControlError, call_control

    ready = _read_ready(args.ready_file)
    host = _host(ready, args.host)
    kinds = [name for name, given in (
        ("cmdlet", args.cmdlet), ("drop-at-request", args.drop_at_request is not None),
        ("drop-on-cmdlet", args.drop_on_cmdlet), ("delay", args.delay_ms is not None),
        ("clear", args.clear), ("list", args.list),
    ) if given]
    if len(kinds) != 1:
        raise UsageError("fault needs exactly one of --cmdlet, --drop-at-request, --drop-on-cmdlet, --delay-ms, "
                         "--clear, --list")
    kind = kinds[0]
    if args.terminating and kind != "cmdlet":
        raise UsageError("--terminating/--non-terminating go with --cmdlet")
    # Which options go together is the CLI's to say; the values themselves are checked by the
    # host's fault book, whose refusal comes back as a usage error below.
    if args.count is not None and kind not in ("cmdlet", "delay"):
        raise UsageError("--count goes with --cmdlet or --delay-ms")
    if args.skip is not None and kind != "cmdlet":
        raise UsageError("--skip goes with --cmdlet")
    if args.runs_on and kind != "drop-on-cmdlet":
        raise UsageError("--runs-on goes with --drop-on-cmdlet")
    request: dict[str, t.Any]
    if kind == "cmdlet":
        request = {"kind": "cmdlet", "cmdlet": args.cmdlet, "count": 1 if args.count is None else args.count,
                   "terminating": bool(args.terminating), "message": args.message, "category": args.category,
                   "skip": args.skip or 0}
    elif kind == "drop-at-request":
        request = {"kind": "drop-at-request", "request": args.drop_at_request}
    elif kind == "drop-on-cmdlet":
        request = {"kind": "drop-on-cmdlet", "cmdlet": args.drop_on_cmdlet, "runs_on": bool(args.runs_on)}
    elif kind == "delay":
        request = {"kind": "delay", "delay_ms": args.delay_ms, "count": args.count}
    else:
        request = {"kind": "clear"}
    try:
        if kind == "list":
            answer = call_control(ready, host, "faults", {})
        else:
            answer = call_control(ready, host, "fault", request)
    except ControlError as err:
        if err.status is not None:
            raise UsageError(str(err)) from None
        print("%s: %s" % (PROG, err), file=sys.stderr)
        return 1
    json.dump(answer, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


# -- argument parsing -----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Emulated Windows Server Hyper-V hosts over WinRM/PSRP.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sub.required = True

    serve = sub.add_parser("serve", help="serve every host of a scenario, each on its own port")
    serve.add_argument("--scenario", required=True, help="scenario YAML file (or a bundled scenario name)")
    serve.add_argument("--ready-file", required=True, help="where to write the connection details (0600)")
    serve.add_argument("--listen", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="first port; hosts get N, N+1, ... (default: ephemeral)")
    serve.add_argument("--auth", choices=("basic", "ntlm", "negotiate", "kerberos", "certificate"), default="basic")
    serve.add_argument("--keytab", help="with --auth kerberos/negotiate: the keytab of the hosts' service principals")
    serve.add_argument("--spn", help="with --auth kerberos/negotiate: the service principal clients ask a ticket for, "
                                     "SERVICE/NAME (written to the ready file and the inventory)")
    serve.add_argument("--no-tls", action="store_true",
                       help="plain HTTP (NTLM and Kerberos then encrypt every message)")
    serve.add_argument("--state-dir", help="save state here (and reload it on the next start)")
    serve.add_argument("--latency-profile", help="answer as a host further away would: lan, wan, or "
                       "request_ms=N,open_ms=N,object_ms=N (docs/emulator-cli.md)")
    serve.set_defaults(func=cmd_serve)

    inventory = sub.add_parser("inventory", help="print an Ansible inventory for the served hosts")
    inventory.add_argument("--ready-file", required=True)
    inventory.add_argument("--group", default="hyperv", help="inventory group name (default hyperv)")
    inventory.set_defaults(func=cmd_inventory)

    state = sub.add_parser("state", help="print the hosts' current state as JSON")
    state.add_argument("--ready-file", required=True)
    state.add_argument("--host")
    state.set_defaults(func=cmd_state)

    invoke = sub.add_parser("invoke", help="run one cmdlet on a host over PSRP")
    invoke.add_argument("--ready-file", required=True)
    invoke.add_argument("--host", required=True)
    invoke.add_argument("cmdlet")
    invoke.add_argument("-p", "--parameter", action="append", metavar="Name[=Value]",
                        help="a parameter; Value is JSON when it parses, else a string; no value = switch")
    invoke.set_defaults(func=cmd_invoke)

    fault = sub.add_parser("fault", help="arm or clear a fault on a host")
    fault.add_argument("--ready-file", required=True)
    fault.add_argument("--host", required=True)
    fault.add_argument("--cmdlet", help="the next --count calls of this cmdlet fail")
    fault.add_argument("--count", type=int)
    fault.add_argument("--skip", type=int, metavar="N", help="with --cmdlet: let the first N calls through")
    mode = fault.add_mutually_exclusive_group()
    mode.add_argument("--terminating", dest="terminating", action="store_true", default=False)
    mode.add_argument("--non-terminating", dest="terminating", action="store_false")
    fault.add_argument("--message", help="the error message of the failing cmdlet")
    fault.add_argument("--category", default="NotSpecified", help="ErrorCategory of the failure")
    fault.add_argument("--drop-at-request", type=int, metavar="N",
                       help="close the connection without an answer at the Nth request from now")
    fault.add_argument("--drop-on-cmdlet", metavar="CMDLET",
                       help="close the connection once the statement with this cmdlet has run")
    fault.add_argument("--runs-on", action="store_true",
                       help="with --drop-on-cmdlet: the pipeline runs to its end, only its answer is lost")
    fault.add_argument("--delay-ms", type=int, metavar="MS", help="delay answers by MS milliseconds")
    fault.add_argument("--clear", action="store_true", help="disarm every fault of the host")
    fault.add_argument("--list", action="store_true", help="show armed and fired faults")
    fault.set_defaults(func=cmd_fault)
    return parser


def main(argv: t.Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except UsageError as err:
        print("%s: error: %s" % (PROG, _one_line(err)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
