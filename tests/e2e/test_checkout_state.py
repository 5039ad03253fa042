"""Two checkouts of the project in folders of the same name keep their molecule state apart.

molecule (through ansible-compat, which ignores ``$VIRTUAL_ENV`` for it) keeps a scenario's
state under ``$ANSIBLE_HOME``, by default ``~/.ansible``, keyed by the project folder's *name*: a
second checkout called ``hyperv`` then finds the first one's state, warns "config modified" and skips ``prepare``.
``tests/tools/env.sh`` (sourced by ``tests/run.sh``) gives each checkout its own ``ANSIBLE_HOME``
to prevent that. These run real molecule on two minimal projects that carry the project's env.sh.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
MODIFIED = "has been modified since the scenario was created"


def _checkout(base: pathlib.Path, label: str) -> pathlib.Path:
    """A folder named ``hyperv`` with the project's env.sh and one scenario."""
    project = base / label / "hyperv"
    (project / "tests" / "tools").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "tools" / "env.sh", project / "tests" / "tools" / "env.sh")
    scenario = project / "molecule" / "default"
    scenario.mkdir(parents=True)
    # The two checkouts' scenario files differ, as two branches' would.
    (scenario / "molecule.yml").write_text(
        "---\n# checkout %s\nansible:\n  executor:\n    args:\n      ansible_playbook:\n"
        "        - --inventory=localhost,\nplatforms:\n  - name: instance\n" % label
    )
    (scenario / "converge.yml").write_text(
        "---\n- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.debug: {msg: %s}\n" % label
    )
    return project


def _converge(project: pathlib.Path, home: pathlib.Path, activate: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "ANSIBLE_HOME", "ANSIBLE_COLLECTIONS_PATH")}
    env["HOME"] = str(home)
    env["PATH"] = "%s:%s" % (BIN, env.get("PATH", ""))
    script = ("source tests/tools/env.sh && " if activate else "") + "molecule converge"
    result = subprocess.run(["bash", "-c", script], cwd=project, env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_same_named_checkouts_keep_their_own_state(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    first, second = _checkout(tmp_path, "a"), _checkout(tmp_path, "b")
    _converge(first, home, activate=True)
    output = _converge(second, home, activate=True)
    assert MODIFIED not in output
    for project in (first, second):
        states = list((project / ".ansible" / "tmp").glob("molecule.*.default/state.yml"))
        assert len(states) == 1, "state of %s: %s" % (project, states)
    assert not (home / ".ansible" / "tmp").exists() or not list((home / ".ansible" / "tmp").iterdir())


def test_without_the_venv_the_state_is_shared(tmp_path):
    """The failure env.sh prevents, shown with the same tools: this test guards the one above."""
    home = tmp_path / "home"
    home.mkdir()
    first, second = _checkout(tmp_path, "a"), _checkout(tmp_path, "b")
    _converge(first, home, activate=False)
    assert MODIFIED in _converge(second, home, activate=False)
