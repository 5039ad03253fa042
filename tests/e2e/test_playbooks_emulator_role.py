# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator role's failure path: an emulator that never gets ready must not outlive the role."""

from __future__ import annotations

import os
import subprocess
import sys
import typing as t

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ENV_SH = os.path.join(REPO, "tests", "tools", "env.sh")
PLAYBOOK = os.path.join(HERE, "playbooks", "emulator_role.yml")

# Answers --help like the real CLI, and for `serve` records its pid and then never writes the
# ready file (exec keeps the pid the role started).
FAKE_EMULATOR = """#!/bin/sh
case "$1" in
    --help) exit 0 ;;
    serve) echo $$ > "$(dirname "$0")/serve.pid"; exec sleep 600 ;;
esac
exit 2
"""


def _alive(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            # A zombie has exited; only a parent that does not reap it keeps the entry.
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _play(workdir: str, **extra_vars: t.Any) -> subprocess.CompletedProcess:
    command = ["ansible-playbook", "-i", "localhost,", "-c", "local", PLAYBOOK]
    for key, value in extra_vars.items():
        command += ["-e", "%s=%s" % (key, value)]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run(["bash", "-c", 'source "$0" && exec "$@"', ENV_SH] + command,
                          capture_output=True, text=True, env=env, cwd=workdir, timeout=300, check=False)


def test_a_start_that_times_out_ends_the_process_it_started(tmp_path):
    fake = tmp_path / "fake-emulator"
    fake.write_text(FAKE_EMULATOR)
    fake.chmod(0o755)
    run_dir = tmp_path / "run"
    started = _play(str(tmp_path), emulator_command=str(fake), emulator_run_dir=str(run_dir),
                    emulator_start_timeout=1)
    output = started.stdout + started.stderr
    assert started.returncode != 0, output
    assert "did not get ready within 1s" in output, output
    pid = int((tmp_path / "serve.pid").read_text())
    try:
        assert not _alive(pid), output
    finally:
        if _alive(pid):
            os.kill(pid, 9)

    stopped = _play(str(tmp_path), emulator_state="stopped", emulator_run_dir=str(run_dir))
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not run_dir.exists()
