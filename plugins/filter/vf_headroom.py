# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: vf_headroom
short_description: SR-IOV virtual function headroom of a group of Hyper-V hosts, and what a drain would do
version_added: 0.1.0
description:
  - Takes the results of M(sriov.hyperv.host_info) for a group of hosts (a cluster, an inventory
    group) and answers, without contacting any host, the question asked before maintenance - if
    this host is drained, which VMs keep their virtual function (VF) and which fall back to the
    synthetic path?
  - Per host and IOV switch - VFs total, in use and free, who holds them, and the adapters asking
    for SR-IOV without a VF with host_info's reasons.
  - Per SR-IOV adapter of a running VM and per other host - whether it would have a VF there now
    (a switch of the same name that was created with IOV, SR-IOV supported and in effect, and a free
    VF or a lower-weight holder to pre-empt), would fall back to synthetic (and why), or would fail
    to migrate (no switch of that name).
  - Per host drained - its running SR-IOV VMs spread over the other hosts by free VFs (the rule is
    returned in C(placement_rule)), how many keep a VF, which fall back or fail, and which holders
    on the other hosts would be pre-empted; and whether the group is N+1 for SR-IOV.
  - Hyper-V documents how C(IovWeight) arbitrates VFs only qualitatively. This filter follows the
    policy of the collection's Hyper-V emulator (a higher weight pre-empts the lowest-weight holder;
    equal weights never pre-empt) and says so in C(assumptions).
positional: hosts, key
options:
  _input:
    description:
      - Without O(key), a dictionary of host name to the registered result of
        M(sriov.hyperv.host_info), or a list of such results (named by their computer name).
      - With O(key), the variables of each host, typically C(hostvars), where O(key) names the
        variable that holds the registered host_info result.
    type: raw
    required: true
  hosts:
    description:
      - The hosts of the group, in the order used to break placement ties, for example
        C(groups['hyperv']) or C(ansible_play_hosts).
      - Default - every host of the input that has O(key) (with O(key)), or every entry of the input.
    type: list
    elements: str
  key:
    description:
      - The variable of each host that holds its registered host_info result. A host without it
        is listed in C(unavailable), as is one whose host_info task failed.
    type: str
seealso:
  - module: sriov.hyperv.host_info
  - name: The sriov.hyperv.fleet_report role
    description: Runs host_info on a group and writes this filter's answer as an HTML report and JSON.
    link: https://github.com/sriov-hyperv/sriov.hyperv/tree/main/roles/fleet_report
notes:
  - The answer is only as fresh as the host_info results; run host_info right before.
  - Only VFs are counted; queue pairs, bandwidth, memory and processors on the destination are not.
  - VMs that are off hold no VF and are not placed in a drain.
  - Live migration needs a switch of the same name on the destination (Microsoft KB 2956020); that
    is checked for every connected adapter of the VM, not only its SR-IOV ones.
"""

EXAMPLES = r"""
- name: Read every Hyper-V host
  sriov.hyperv.host_info:
  register: hv_info

- name: What would a drain of each host do to SR-IOV?
  ansible.builtin.debug:
    msg: >-
      {{ item.host }}: {{ item.keep_vf }} adapters keep a VF, {{ item.synthetic }} fall back
      ({{ item.falls_back | join(', ') }}), {{ item.fails }} cannot migrate
  loop: "{{ (hostvars | sriov.hyperv.vf_headroom(ansible_play_hosts, 'hv_info')).drains }}"
  run_once: true

- name: Stop unless the group is N+1 for SR-IOV
  ansible.builtin.assert:
    that: (hostvars | sriov.hyperv.vf_headroom(ansible_play_hosts, 'hv_info')).n_plus_one
    fail_msg: Draining one of these hosts would take VFs away from VMs.
  run_once: true
"""

RETURN = r"""
_value:
  description: The headroom of the group.
  type: dict
  contains:
    hosts:
      description:
        - Per host - C(name), C(computer_name), C(iov_support), C(vfs) (C(total), C(in_use), C(free) summed
          over its IOV switches), C(switches) (per switch created with IOV - C(name), C(total), C(in_use),
          C(free), C(holders), and C(blocked), the reason it can give no VF or null), and C(synthetic), the
          adapters asking for SR-IOV without a VF (C(adapter), C(switch_name), C(iov_weight), C(vm_state),
          C(reasons) as host_info gives them).
      type: list
      elements: dict
    migrations:
      description:
        - Per adapter asking for SR-IOV on a running VM - C(host), C(adapter) (C(VM/adapter)), C(switch_name),
          C(iov_weight), C(has_vf), and C(targets), a dictionary of every other host to C(outcome)
          (V(vf), V(synthetic) or V(fails)), C(reason) (C(code) and C(message), null for V(vf)) and
          C(preempts) (the holder that would lose its VF, or null).
        - Each adapter is judged alone against the destination as it is now.
        - Reason codes - V(no_switch) (migration fails), V(switch_not_external), V(switch_iov_disabled),
          V(host_iov_unsupported), V(switch_iov_unsupported), V(nic_sriov_disabled), V(nic_no_virtual_functions),
          V(no_vf_available), V(guest_no_vf), V(legacy_adapter), V(preempted).
      type: list
      elements: dict
    drains:
      description:
        - Per host, what draining it would do - C(host), C(vms) and C(adapters) moved, C(keep_vf),
          C(synthetic), C(fails) (counts of adapters), C(falls_back), C(failed) and C(lose_vf) (adapters
          that hold a VF now and would not), C(displaced) (holders on other hosts that would be
          pre-empted - C(host), C(adapter), C(iov_weight), C(by)), C(placements) (per VM - C(vm_name),
          C(to), C(adapters) with their C(outcome), C(reason), C(preempts)) and C(n_plus_one).
      type: list
      elements: dict
    n_plus_one:
      description:
        - Whether any one host can be drained with no migration failing, every adapter that holds a VF
          keeping one, and nobody on the other hosts pre-empted. False when a host's result is missing.
      type: bool
    placement_rule:
      description: How a drain places VMs, in words.
      type: str
    assumptions:
      description: What the computation assumes, with the sources of real-host facts.
      type: list
      elements: str
    unavailable:
      description: Hosts left out, with C(host) and C(reason) (no result, or host_info failed).
      type: list
      elements: dict
"""

import typing as t

from ansible.errors import AnsibleFilterError

from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._headroom import HeadroomError, vf_headroom


def _select(data: t.Any, hosts: t.Any, key: t.Any) -> t.Any:
    if key is None:
        if hosts is None:
            return data
        if not isinstance(data, t.Mapping):
            raise AnsibleFilterError("vf_headroom: 'hosts' needs a dictionary of host name to host_info result as input.")
        return {str(name): data.get(name) for name in hosts}
    if not isinstance(data, t.Mapping):
        raise AnsibleFilterError(
            "vf_headroom: with 'key', the input must be the variables of each host, such as hostvars; got %s."
            % type(data).__name__)
    names = list(data) if hosts is None else list(hosts)
    selected = {}
    for name in names:
        variables = data.get(name) if name in data else None
        if hosts is None and (variables is None or key not in variables):
            continue
        selected[str(name)] = None if variables is None or key not in variables else variables[key]
    return selected


def vf_headroom_filter(data: t.Any, hosts: t.Any = None, key: t.Any = None) -> dict[str, t.Any]:
    try:
        return vf_headroom(_select(data, hosts, key))
    except HeadroomError as error:
        raise AnsibleFilterError("vf_headroom: %s" % error) from error


class FilterModule:
    """SR-IOV headroom of a group of Hyper-V hosts."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"vf_headroom": vf_headroom_filter}
