"""What a user gets from the collection beyond the modules: roles, examples, README, EE metadata.

These read the files users read and run the tools users run (ansible-playbook, ansible-doc),
so a renamed option, a stale default or a broken example fails here before it ships.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROLES = sorted(p.parent.parent.name for p in (ROOT / "roles").glob("*/meta/argument_specs.yml"))
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))


def _tool(name: str) -> str:
    return str(pathlib.Path(sys.executable).parent / name)


def test_role_argument_spec_follows_host_config():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "tools" / "role_specs.py")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("role", ROLES)
def test_role_defaults_match_argument_spec(role):
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    options = specs["argument_specs"]["main"]["options"]
    defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())
    for name, option in options.items():
        assert name.startswith(role + "_"), f"{role}: variable {name} lacks the role prefix"
        if "default" in option:
            assert defaults.get(name) == option["default"], f"{role}: {name} default differs"
    assert set(defaults) <= set(options), f"{role}: undocumented defaults {set(defaults) - set(options)}"


@pytest.mark.parametrize("role", ROLES)
def test_ansible_doc_shows_the_role(role, ansible_env):
    result = subprocess.run(
        [_tool("ansible-doc"), "-t", "role", f"sriov.hyperv.{role}"],
        capture_output=True, text=True, env=ansible_env, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"{role}_" in result.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_playbooks_parse(example, ansible_env):
    result = subprocess.run(
        [_tool("ansible-playbook"), "--syntax-check", "-i", "localhost,", str(example)],
        capture_output=True, text=True, env=ansible_env, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_starts_with_the_two_commands_ci_runs():
    head = (ROOT / "README.md").read_text().splitlines()[:12]
    assert any(line.startswith("tests/setup.sh") for line in head)
    assert any(line.startswith("tests/run.sh") for line in head)
    # CI runs exactly those two, and the set-up makes the venv the README shows.
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("tests/")]
    assert ci == ["tests/setup.sh", "tests/run.sh"]
    assert ".venv/bin/pip install -q -e '.[test]'" in (ROOT / "tests" / "setup.sh").read_text()


def test_readme_lists_every_module_and_role():
    readme = (ROOT / "README.md").read_text()
    for name in MODULES + list(ROLES):
        assert f"`sriov.hyperv.{name}`" in readme, f"README does not mention sriov.hyperv.{name}"


def test_readme_quick_start_playbook_exists():
    readme = (ROOT / "README.md").read_text()
    for path in set(re.findall(r"examples/[\w.-]+\.yml", readme)):
        assert (ROOT / path).is_file(), f"README names {path}, which does not exist"


def _requirement_names(lines):
    names = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower()
            names[name] = line.replace(" ", "")
    return names


def test_execution_environment_requirements_match_the_package():
    ee = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    requirements = ROOT / ee["dependencies"]["python"]
    assert requirements.is_file()
    wanted = _requirement_names(requirements.read_text().splitlines())
    assert set(wanted) == {"pydantic", "pypsrp"}
    if sys.version_info >= (3, 11):
        import tomllib

        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        declared = _requirement_names(project["optional-dependencies"]["collection"])
        assert declared == wanted, "pyproject's collection extra and requirements.txt differ"
        # The emulator's own package needs neither Ansible nor the collection's libraries.
        emulator = _requirement_names(project["dependencies"])
        assert not {"ansible-core", "ansible", "pydantic"} & set(emulator)
    # Every module documents exactly these libraries, with requirements.txt's versions.
    for module in sorted((ROOT / "plugins" / "modules").glob("*.py")):
        documented = _module_requirements(module)
        assert documented == dict(wanted), module.name


def _example_ee(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the example EE folder, as a user's clone holds it."""
    import shutil

    folder = tmp_path / "execution-environment"
    shutil.copytree(ROOT / "examples" / "execution-environment", folder,
                    ignore=shutil.ignore_patterns("context", "*.tar.gz"))
    return folder


def _build_ee(folder: pathlib.Path, env: dict) -> subprocess.CompletedProcess:
    env = dict(env, SRIOV_HYPERV_COLLECTION=str(ROOT))
    # Run from outside its folder: build.sh must find its own files.
    return subprocess.run([str(folder / "build.sh"), "--create-only"], cwd=folder.parent, env=env,
                          capture_output=True, text=True, check=False)


def test_example_ee_build_context_holds_the_collection(tmp_path, ansible_env):
    folder = _example_ee(tmp_path)
    result = _build_ee(folder, ansible_env)
    assert result.returncode == 0, result.stdout + result.stderr
    installed = yaml.safe_load((folder / "context" / "_build" / "requirements.yml").read_text())
    tarball = folder / "context" / "_build" / installed["collections"][0]["name"]
    assert tarball.is_file()
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    assert tarball.name == "sriov-hyperv-%s.tar.gz" % version


def test_example_ee_build_stops_when_the_image_would_lack_the_collection(tmp_path, ansible_env):
    folder = _example_ee(tmp_path)
    requirements = folder / "requirements.yml"
    requirements.write_text(re.sub(r"sriov-hyperv-[0-9.]+\.tar\.gz", "sriov-hyperv-9.9.9.tar.gz",
                                   requirements.read_text()))
    result = _build_ee(folder, ansible_env)
    assert result.returncode == 1
    assert "installs 'collections/sriov-hyperv-9.9.9.tar.gz'" in result.stderr
    assert "set its collections[0].name to 'collections/sriov-hyperv-" in result.stderr
    assert not (folder / "context").exists(), "nothing is handed to ansible-builder"


def _module_requirements(path: pathlib.Path) -> dict[str, str]:
    """The requirements of a module's documentation, its doc fragments' included, as name -> spec."""
    import ast

    from ansible_collections.sriov.hyperv.plugins.doc_fragments.connection import ModuleDocFragment

    tree = ast.parse(path.read_text())
    text = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and getattr(node.targets[0], "id", None) == "DOCUMENTATION")
    doc = yaml.safe_load(text)
    lines = list(doc.get("requirements", []))
    if "sriov.hyperv.connection" in doc.get("extends_documentation_fragment", []):
        lines += yaml.safe_load(ModuleDocFragment.DOCUMENTATION).get("requirements", [])
    # Extras for one auth only ("... on the controller for Kerberos") are not requirements.txt's.
    return _requirement_names(line.split(" on the ")[0] for line in lines if line.endswith(" on the controller"))


def _quick_start_script() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Five-minute quick start", 1)[1]
    return section.split("```bash\n", 1)[1].split("```", 1)[0]


def _stop_emulator(ready_file: pathlib.Path) -> None:
    # The script stops its emulator itself; this only matters when it failed half-way.
    try:
        os.kill(json.loads(ready_file.read_text())["pid"], signal.SIGTERM)
    except (OSError, ValueError, KeyError):
        pass


def _wait_stopped(ready_file: pathlib.Path, timeout: float = 30.0) -> None:
    """Until the emulator the ready file names has exited (kill %1 does not wait for it)."""
    import time

    pid = json.loads(ready_file.read_text())["pid"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError("the quick start's emulator (pid %d) did not stop" % pid)


def test_readme_quick_start_runs_twice_in_a_row(tmp_path, ansible_env):
    """Runs the README's quick start as written, twice (only its scratch folder moves into
    tmp_path): the second run finds the first one's ready file and must not be misled by it."""
    script = _quick_start_script().replace("/tmp/hv", str(tmp_path / "hv"))
    for run in (1, 2):
        try:
            result = subprocess.run(
                ["bash", "-e", "-c", script], capture_output=True, text=True, cwd=ROOT,
                env=ansible_env, timeout=600, check=False,
            )
        finally:
            _stop_emulator(tmp_path / "hv" / "ready.json")
        assert result.returncode == 0, "run %d: %s" % (run, result.stdout[-3000:] + result.stderr[-3000:])
        recaps = re.findall(r"^hv01\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=(\d+)", result.stdout, re.M)
        # --check --diff, apply, rerun, audit
        assert [(int(c), int(f)) for c, f in recaps] == [(1, 0), (1, 0), (0, 0), (0, 0)], result.stdout[-3000:]
        assert "---" in result.stdout and "+++" in result.stdout, "--diff showed no difference"
        assert "no drift" in result.stdout
        # The check run says it changed nothing instead of showing the unchanged host as a result.
        check_run = result.stdout.split("PLAY RECAP", 1)[0]
        assert "Check mode: nothing was changed" in check_run
        assert "synthetic - " not in check_run
        _wait_stopped(tmp_path / "hv" / "ready.json")


def _inventory(ready, tmp_path: pathlib.Path) -> pathlib.Path:
    made = ready.cli("inventory")
    assert made.returncode == 0, made.stderr
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(made.stdout)
    return inventory


def _play(ansible_env: dict[str, str], inventory: pathlib.Path, playbook: str,
          *args: str) -> tuple[int, int, str, int]:
    """(changed, failed) of hv01's recap, the output and ansible-playbook's exit status."""
    result = subprocess.run(
        [_tool("ansible-playbook"), "-i", str(inventory), f"examples/{playbook}", *args],
        capture_output=True, text=True, cwd=ROOT, env=ansible_env, timeout=300, check=False,
    )
    recap = re.search(r"^hv01\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=(\d+)", result.stdout, re.M)
    assert recap, result.stdout[-3000:] + result.stderr[-2000:]
    return int(recap.group(1)), int(recap.group(2)), result.stdout, result.returncode


def test_every_example_runs_against_the_emulated_host(tmp_path, emulator_starter, ansible_env):
    """The examples, in the order a user meets them, on the host they are written for."""
    ready = emulator_starter(str(tmp_path), str(ROOT / "examples" / "scenarios" / "new_host.yml"))
    inventory = _inventory(ready, tmp_path)
    assert _play(ansible_env, inventory, "enforce_fleet.yml", "--check")[:2] == (1, 0)
    assert _play(ansible_env, inventory, "enable_sriov.yml")[:2] == (1, 0)
    assert _play(ansible_env, inventory, "enforce_fleet.yml")[:2] == (0, 0)
    assert _play(ansible_env, inventory, "tune_vf_weights.yml")[:2] == (1, 0)
    changed, failed, out, _rc = _play(ansible_env, inventory, "tune_vf_weights.yml")
    assert (changed, failed) == (0, 0)
    assert "web01/Network Adapter: weight 100, VF with 4 queue pair(s)" in out
    # Without confirmation the switch is only planned for recreation ...
    changed, failed, out, _rc = _play(ansible_env, inventory, "flip_iov_switch.yml")
    assert failed == 0 and "Switches to recreate: vm-ext" in out
    assert "Recreate the switch with IOV" not in out
    assert "run the playbook again with -e confirm_recreate=true" in out
    # ... with it, recreated, and every adapter checked to be back.
    assert _play(ansible_env, inventory, "flip_iov_switch.yml", "-e", "confirm_recreate=true")[:2] == (2, 0)
    changed, failed, out, _rc = _play(ansible_env, inventory, "flip_iov_switch.yml", "-e", "confirm_recreate=true")
    assert (changed, failed) == (0, 0) and "Switches to recreate: none" in out
    # tune_vf_weights moved db01 off the host_vars spec: the audit notices.
    before = ready.cli("state")
    assert before.returncode == 0, before.stderr
    changed, failed, out, rc = _play(ansible_env, inventory, "audit_fleet.yml")
    assert "adapter 'db01/Network Adapter': iov_weight is 50, wanted 80" in out
    # Drift makes the audit fail (in its last play), and auditing touches nothing.
    assert rc != 0 and (changed, failed) == (0, 0), out[-3000:]
    assert "1 of 1 host(s) drifted: hv01" in out, out[-3000:]
    after = ready.cli("state")
    assert after.returncode == 0 and after.stdout == before.stdout
