# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A task's ``environment:`` names the Kerberos ticket cache (KRB5CCNAME), as a domain admin does
for a play that runs as another user: real ansible-playbook, a real MIT KDC, an emulated host
that accepts tickets with its keytab.

The modules run in Ansible's worker process, which sets the task's environment around the run;
this proves the ticket cache is taken from the task that names it, per loop item in one worker,
and from no other task.
"""

from __future__ import annotations

import json
import re
import subprocess

import yaml


HOST = "HV-CAPABLE"


def test_a_tasks_krb5ccname_is_used_by_that_task_and_loop_item_only(emulator_factory, kerberos_realm, kerberos_env,
                                                                    ansible_env, tmp_path):
    # The controller's own KRB5CCNAME (kerberos_env) names an empty cache: only a task that names
    # the cache holding the ticket can log on.
    ticket_cache = str(tmp_path / "admin-ccache")
    kerberos_realm.kinit(ticket_cache)
    ready = emulator_factory(auth="kerberos", tls=False, keytab=kerberos_realm.keytab)
    host = ready.host()
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"hyperv": {"hosts": {HOST: {
        "ansible_connection": "psrp", "ansible_host": "localhost", "ansible_port": host["port"],
        "ansible_psrp_protocol": host["protocol"], "ansible_psrp_auth": "kerberos"}}}}}}))
    with_ticket = "FILE:" + ticket_cache
    results = tmp_path / "results.json"
    play = [{
        "hosts": "hyperv", "gather_facts": False,
        "tasks": [
            {"name": "with the task's cache", "sriov.hyperv.host_info": None, "register": "named",
             "environment": {"KRB5CCNAME": with_ticket}, "ignore_errors": True},
            {"name": "the next task, without it", "sriov.hyperv.host_info": None, "register": "after",
             "ignore_errors": True},
            {"name": "per item in one worker", "sriov.hyperv.host_info": None, "register": "items",
             "loop": [with_ticket, kerberos_env["KRB5CCNAME"], with_ticket],
             "environment": {"KRB5CCNAME": "{{ item }}"}, "ignore_errors": True},
            {"ansible.builtin.copy": {"dest": str(results), "mode": "0600", "content": "{{ {'named': named.failed, "
                                      "'after': after.failed, 'items': items.results | map(attribute='failed') "
                                      "| list, 'after_msg': after.msg} | to_json }}"},
             "delegate_to": "localhost"},
        ],
    }]
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    env = dict(ansible_env, **kerberos_env, ANSIBLE_NOCOLOR="1")
    done = subprocess.run(["ansible-playbook", "-i", str(inventory), str(playbook)], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    outcome = json.loads(results.read_text())
    assert outcome["named"] is False, done.stdout[-4000:]
    assert outcome["after"] is True and re.search(r"ticket|Kerberos|credential", outcome["after_msg"], re.I)
    assert outcome["items"] == [False, True, False], done.stdout[-4000:]
