"""Emulated Hyper-V hosts served by the real ``hyperv-sriov-emulator serve`` process.

Fixtures (for every test under tests/e2e):

``emulator_factory(scenario="capable", auth="basic", tls=True, **extra) -> ReadyInfo``
    Session-scoped factory. Starts ``hyperv-sriov-emulator serve`` as a subprocess with the given
    scenario (a bundled scenario name or a path), auth (``basic``, ``ntlm``, ``certificate``) and
    TLS setting, waits for its ready file and returns it parsed. Calls with the same arguments
    share one process for the whole session; ``fresh=True`` always starts a new one (for tests
    that change a host and must not disturb others). ``state_dir=...`` and ``port=...`` are
    passed through. On teardown every process gets SIGTERM and must exit 0.

``emulator`` -> ReadyInfo
    ``emulator_factory()`` with the defaults: the ``capable`` scenario over HTTPS + Basic.

``emulator_cli(*args) -> CompletedProcess``
    Runs the CLI (``hyperv-sriov-emulator *args``) and captures its output.

``kerberos_realm`` -> tests/tools/kdc.py ``Realm``
    Session-scoped: a throwaway realm ``EMULATOR.TEST`` served by MIT Kerberos's krb5kdc on a
    free loopback port, with the user ``hyperv-admin``, ``host/localhost`` and ``HTTP/localhost``
    in its keytab (serve the emulator with ``auth="kerberos", keytab=realm.keytab``), and
    ``HTTP/other.emulator.test``, a service principal of another machine.

``kerberos_env`` -> dict
    Function-scoped: KRB5_CONFIG (the realm's krb5.conf) and KRB5CCNAME (an empty ticket cache of
    this test), set in os.environ for the test and returned for subprocesses.

``emulator_starter(workdir, scenario="capable", auth="basic", tls=True, state_dir=None, port=None)``
    Function-scoped: starts one emulator process the test controls itself (``.stop()``);
    anything still running at the end of the test is stopped.

``ReadyInfo``
    ``.data`` (the ready file's JSON), ``.path`` (the ready file), ``.hosts``, ``.host(name)``,
    ``.wsman_kwargs(name, **overrides)`` (pypsrp ``WSMan`` arguments), ``.cli(*args)`` (runs a CLI
    subcommand against this ready file and returns the CompletedProcess), ``.stop()``.

Under pytest-xdist each worker has its own session, hence its own processes. The default
scenario can be swapped with ``HYPERV_SRIOV_EMULATOR_TEST_SCENARIO`` (a name or a path).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import typing as t

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START_TIMEOUT = 30.0
# The scenario the fixtures serve when a test names none (overridable to try another one).
DEFAULT_SCENARIO = os.environ.get("HYPERV_SRIOV_EMULATOR_TEST_SCENARIO", "capable")


def emulator_command() -> list[str]:
    """The CLI as a user runs it: the installed console script, else the package's __main__."""
    script = os.path.join(os.path.dirname(sys.executable), "hyperv-sriov-emulator")
    if os.path.exists(script):
        return [script]
    return [sys.executable, "-m", "hyperv_sriov_emulator"]


def emulator_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_cli(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run(emulator_command() + list(args), capture_output=True, text=True, timeout=timeout,
                          env=emulator_env(), cwd=REPO, check=False)


@dataclasses.dataclass
class ReadyInfo:
    path: str
    data: dict[str, t.Any]
    process: subprocess.Popen
    stderr_path: str
    signalled: bool = False

    @property
    def hosts(self) -> list[dict[str, t.Any]]:
        return self.data["hosts"]

    def host(self, name: str | None = None) -> dict[str, t.Any]:
        if name is None:
            return self.hosts[0]
        for host in self.hosts:
            if host["name"].lower() == name.lower():
                return host
        raise KeyError(name)

    def wsman_kwargs(self, name: str | None = None, **overrides: t.Any) -> dict[str, t.Any]:
        from hyperv_sriov_emulator.server.client import wsman_kwargs

        return wsman_kwargs(self.host(name), **overrides)

    def connection_options(self, name: str | None = None, **overrides: t.Any) -> t.Any:
        return connection_options(self.host(name), **overrides)

    def cli(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        return run_cli(args[0], "--ready-file", self.path, *args[1:], timeout=timeout)

    def stop(self) -> int:
        """SIGTERM, wait, and return the exit status."""
        if self.process.poll() is None:
            if not self.signalled:
                self.process.send_signal(signal.SIGTERM)
                self.signalled = True
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def stderr(self) -> str:
        with open(self.stderr_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()


def start_emulator(workdir: str, scenario: str = DEFAULT_SCENARIO, auth: str = "basic", tls: bool = True,
                   state_dir: str | None = None, port: int | None = None,
                   extra_args: t.Sequence[str] = (), keytab: str | None = None,
                   prefix: t.Sequence[str] = ()) -> ReadyInfo:
    os.makedirs(workdir, exist_ok=True)
    ready = os.path.join(workdir, "ready.json")
    # ``prefix`` runs it under another command, e.g. nsenter into a test's network namespace.
    args = list(prefix) + emulator_command() + ["serve", "--scenario", scenario, "--ready-file", ready, "--auth", auth]
    if not tls:
        args.append("--no-tls")
    if keytab:
        args += ["--keytab", keytab]
    if state_dir:
        args += ["--state-dir", state_dir]
    if port is not None:
        args += ["--port", str(port)]
    args += list(extra_args)
    stderr_path = os.path.join(workdir, "serve.stderr")
    with open(stderr_path, "w") as stderr:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr, env=emulator_env(), cwd=REPO)
    deadline = time.monotonic() + START_TIMEOUT
    while not os.path.exists(ready):
        if process.poll() is not None:
            with open(stderr_path) as handle:
                raise RuntimeError("emulator exited with %s: %s" % (process.returncode, handle.read()))
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("emulator did not write its ready file within %ss" % START_TIMEOUT)
        time.sleep(0.05)
    with open(ready, encoding="utf-8") as handle:
        data = json.load(handle)
    return ReadyInfo(ready, data, process, stderr_path)


@pytest.fixture(scope="session")
def emulator_factory(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[t.Callable[..., ReadyInfo]]:
    shared: dict[tuple, ReadyInfo] = {}
    started: list[ReadyInfo] = []

    def factory(scenario: str = DEFAULT_SCENARIO, auth: str = "basic", tls: bool = True, fresh: bool = False,
                **extra: t.Any) -> ReadyInfo:
        key = (scenario, auth, tls, tuple(sorted(extra.items())))
        if not fresh and key in shared and shared[key].process.poll() is None:
            return shared[key]
        workdir = tempfile.mkdtemp(prefix="emu-", dir=str(tmp_path_factory.getbasetemp()))
        info = start_emulator(workdir, scenario, auth, tls, **extra)
        started.append(info)
        if not fresh:
            shared[key] = info
        return info

    yield factory
    failures = []
    for info in started:
        # Signal every process first, then collect: they shut down in parallel.
        if info.process.poll() is None and not info.signalled:
            info.process.send_signal(signal.SIGTERM)
            info.signalled = True
    for info in started:
        code = info.stop()
        if code != 0:
            failures.append("emulator pid %s exited %s: %s" % (info.process.pid, code, info.stderr()[-2000:]))
    assert not failures, failures


@pytest.fixture(scope="session")
def emulator(emulator_factory: t.Callable[..., ReadyInfo]) -> ReadyInfo:
    return emulator_factory()


def connection_options(host: dict[str, t.Any], **overrides: t.Any) -> t.Any:
    """The PSRP connection settings for a ready-file host, as its auth and protocol need them."""
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import ConnectionOptions

    certificate = host["auth"] == "certificate"
    values = {
        "hostname": host["hostname"],
        "port": host["port"],
        "username": None if certificate else host["username"],
        "password": None if certificate else host["password"],
        "auth": host["auth"],
        "protocol": host["protocol"],
        "ca_cert": host.get("ca_cert"),
        "certificate_pem": host.get("client_cert"),
        "certificate_key_pem": host.get("client_key"),
        # Basic over plain HTTP has no message encryption to offer.
        "message_encryption": "never" if host["auth"] == "basic" and host["protocol"] == "http" else "auto",
    }
    values.update(overrides)
    return ConnectionOptions(**values)


def inprocess_runner(scenario_name: str, host_name: str) -> t.Any:
    """A runner on a freshly loaded scenario host, in this process (no wire)."""
    from hyperv_sriov_emulator import scenario
    from hyperv_sriov_emulator.inprocess import InProcessRunner

    hosts = scenario.load_scenario(scenario_name)
    return InProcessRunner(next(h for h in hosts if h.name.lower() == host_name.lower()))


@pytest.fixture(name="connection_options", scope="session")
def connection_options_fixture() -> t.Callable[..., t.Any]:
    return connection_options


@pytest.fixture(name="inprocess_runner", scope="session")
def inprocess_runner_fixture() -> t.Callable[..., t.Any]:
    return inprocess_runner


@pytest.fixture(scope="session")
def ansible_env() -> dict[str, str]:
    """The environment tests/tools/env.sh gives: the repo root found as the sriov.hyperv collection."""
    collections = os.path.join(REPO, ".ansible", "collections")
    link = os.path.join(collections, "ansible_collections", "sriov", "hyperv")
    os.makedirs(os.path.dirname(link), exist_ok=True)
    # A dangling or stale link is replaced, the way env.sh's `ln -sfn` does.
    if not (os.path.islink(link) and os.path.realpath(link) == os.path.realpath(REPO)):
        if os.path.islink(link):
            os.unlink(link)
        os.symlink("../../../..", link)
    env = dict(os.environ)
    env["ANSIBLE_COLLECTIONS_PATH"] = collections
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


@pytest.fixture
def emulator_cli() -> t.Callable[..., subprocess.CompletedProcess]:
    return run_cli


@pytest.fixture
def emulator_starter() -> t.Iterator[t.Callable[..., ReadyInfo]]:
    started: list[ReadyInfo] = []

    def start(workdir: str, *args: t.Any, **kwargs: t.Any) -> ReadyInfo:
        info = start_emulator(workdir, *args, **kwargs)
        started.append(info)
        return info

    yield start
    for info in started:
        info.stop()


def _kdc_module() -> t.Any:
    import importlib.util

    if "hyperv_test_kdc" in sys.modules:
        return sys.modules["hyperv_test_kdc"]
    spec = importlib.util.spec_from_file_location("hyperv_test_kdc", os.path.join(REPO, "tests", "tools", "kdc.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


OTHER_SERVICE = "HTTP/other.emulator.test"


@pytest.fixture(scope="session")
def kerberos_realm(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[t.Any]:
    realm = _kdc_module().start_realm(str(tmp_path_factory.mktemp("realm")))
    try:
        realm.add_service(OTHER_SERVICE)
        yield realm
    finally:
        realm.stop()


@pytest.fixture(name="other_service")
def other_service_fixture() -> str:
    """A service principal the realm has, of another machine: not in the host's keytab."""
    return OTHER_SERVICE


@pytest.fixture
def kerberos_env(kerberos_realm: t.Any, tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = kerberos_realm.env(str(tmp_path / "ccache"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
