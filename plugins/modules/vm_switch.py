#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_switch
short_description: Manage one Hyper-V virtual switch, including SR-IOV (IOV) mode
version_added: 0.1.0
description:
  - Creates, updates or removes one Hyper-V virtual switch on a Windows Server Hyper-V host.
  - Only the options you set are managed. An option left unset is never reset to a default; on a new
    switch Hyper-V's own default applies.
  - Some switch settings can only be chosen when the switch is created (O(enable_iov),
    O(minimum_bandwidth_mode), O(enable_embedded_teaming) and O(enable_packet_direct)). Changing one
    of them on an existing switch needs the switch to be removed and created again; see
    O(creation_only_changes).
  - The module runs on the Ansible controller and talks to the host over PowerShell Remoting.
options:
  name:
    description:
      - Name of the virtual switch. Hyper-V compares switch names without regard to case.
    type: str
    required: true
  state:
    description:
      - V(present) creates the switch if it does not exist and brings the managed settings in line.
      - V(absent) removes the switch. Network adapters connected to it stay configured but become
        disconnected.
    type: str
    choices: [present, absent]
    default: present
  switch_type:
    description:
      - The kind of switch. V(external) binds it to the physical adapters in O(net_adapter_names);
        V(internal) connects the VMs and the management OS; V(private) connects only the VMs.
      - When O(net_adapter_names) is set and this option is not, the switch is external.
    type: str
    choices: [external, internal, private]
  net_adapter_names:
    description:
      - Names of the physical network adapters an external switch is bound to (as shown by
        C(Get-NetAdapter)). More than one adapter makes a Switch Embedded Teaming (SET) switch.
      - Changing the members of a SET switch is not supported by this module.
    type: list
    elements: str
  enable_iov:
    description:
      - Whether SR-IOV (IO virtualization) is enabled on the switch. Creation-only.
      - A switch can have IOV enabled even when the bound adapter or the host cannot provide virtual
        functions; M(sriov.hyperv.host_info) reports why.
    type: bool
  allow_management_os:
    description:
      - Whether the management operating system shares the external switch's adapter (a host
        virtual network adapter is created on the switch).
    type: bool
  minimum_bandwidth_mode:
    description:
      - How minimum bandwidth is expressed on the switch's ports. Creation-only.
      - V(default) lets Hyper-V decide; it resolves to V(none) on an IOV switch and to V(absolute)
        (Windows Server 2016 and later) or V(weight) (2012 R2) otherwise. The module compares the
        resolved value, so V(default) never causes a recreate on its own.
    type: str
    choices: [default, weight, absolute, none]
  enable_embedded_teaming:
    description:
      - Whether the switch is a Switch Embedded Teaming (SET) switch. Creation-only.
      - Hyper-V turns it on by itself when more than one adapter is given.
    type: bool
  enable_packet_direct:
    description:
      - Whether PacketDirect is enabled on the switch. Creation-only.
    type: bool
  load_balancing_algorithm:
    description:
      - How a Switch Embedded Teaming (SET) switch spreads traffic over its team members,
        V(hyper_v_port) or V(dynamic) (Hyper-V's default for a new team).
      - Changed in place with C(Set-VMSwitchTeam); no recreate. Only for SET switches.
    type: str
    choices: [hyper_v_port, dynamic]
    version_added: 0.2.0
  default_queue_vrss_enabled:
    description:
      - Whether vRSS is requested for the switch's default queue, the queue of the traffic of the
        host itself and of adapters without a queue of their own (Hyper-V's default is V(true)).
      - Set in place with C(Set-VMSwitch -DefaultQueueVrssEnabled). Windows Server 2016 and later.
    type: bool
    version_added: 0.2.0
  default_queue_vmmq_enabled:
    description:
      - Whether VMMQ (the physical adapter spreading the default queue over several hardware queues)
        is requested for the switch's default queue (what hosts report by default is V(true)).
      - Set in place with C(Set-VMSwitch -DefaultQueueVmmqEnabled). Windows Server 2016 and later.
    type: bool
    version_added: 0.2.0
  default_queue_vmmq_queue_pairs:
    description:
      - VMMQ / vRSS queue pairs requested for the switch's default queue, at least V(1) (Hyper-V's
        default is V(16)). The host may grant fewer.
      - Set in place with C(Set-VMSwitch -DefaultQueueVmmqQueuePairs). Windows Server 2016 and later.
    type: int
    version_added: 0.2.0
  software_rsc_enabled:
    description:
      - Whether receive segment coalescing (RSC) in the virtual switch is on (Hyper-V's default is
        V(true)). It can be changed while traffic flows.
      - Set in place with C(Set-VMSwitch -EnableSoftwareRsc). Windows Server 2019 and later.
    type: bool
    version_added: 0.2.0
  default_flow_minimum_bandwidth_weight:
    description:
      - Minimum bandwidth weight, V(1) to V(100), of the traffic on the switch that no adapter
        setting covers (the default flow).
      - Only for a switch whose O(minimum_bandwidth_mode) is V(weight); on a switch of another mode
        the task is refused before any write. Set in place with C(Set-VMSwitch).
      - Never reset by M(sriov.hyperv.host_config) with V(replaced) or V(overridden); the switch shows
        the reservation in effect, not a setting.
    type: int
    version_added: 0.2.0
  default_flow_minimum_bandwidth_absolute:
    description:
      - Minimum bandwidth in bits per second of the traffic on the switch that no adapter setting
        covers (the default flow).
      - Only for a switch whose O(minimum_bandwidth_mode) is V(absolute) (Hyper-V's resolution of
        V(default) on a switch without SR-IOV on Windows Server 2016 and later); on a switch of another
        mode the task is refused before any write. Set in place with C(Set-VMSwitch).
      - Never reset by M(sriov.hyperv.host_config) with V(replaced) or V(overridden); the switch shows
        the reservation in effect (by default 10 percent of its bandwidth), not a setting.
    type: int
    version_added: 0.2.0
  notes:
    description:
      - Free-text notes stored on the switch.
    type: str
  remove_management_os_adapters:
    description:
      - Names of the host virtual network adapters (management-OS adapters) of this switch that the
        task lets go. O(allow_management_os=false), O(switch_type=private), or a recreate without the
        management OS removes every management-OS adapter of the switch; the task is refused unless
        each of them is listed here. Names that are not on the switch are ignored, so a rerun works.
      - Not a setting of the switch; it is never gathered.
    type: list
    elements: str
    version_added: 0.2.0
  creation_only_changes:
    description:
      - What to do when a creation-only setting of an existing switch differs from the requested one.
      - V(fail) changes nothing and fails with a message that names the setting and the remedies.
      - V(recreate) removes the switch, creates it with the requested settings and reconnects every
        network adapter that was connected to it, restoring their settings. VMs lose connectivity on
        that switch while this happens. If creating the new switch fails, the original switch and its
        connections are restored and the task fails.
    type: str
    choices: [fail, recreate]
    default: fail
extends_documentation_fragment:
  - sriov.hyperv.connection
  - sriov.hyperv.attributes
  - sriov.hyperv.attributes.changing_module
notes:
  - Requires Windows Server 2016 or later with the Hyper-V role; Switch Embedded Teaming and
    PacketDirect need Windows Server 2016 or later, SR-IOV needs hardware, firmware and driver support.
  - Nothing is restarted by this module. Removing or recreating a switch interrupts the network
    traffic of everything connected to it.
seealso:
  - module: sriov.hyperv.host_info
    description: Read switches, their IOV capability and virtual function usage.
  - module: sriov.hyperv.host_config
    description: Manage all switches, physical adapters and VM network adapters of a host at once.
  - module: sriov.hyperv.vm_network_adapter
author:
  - sriov.hyperv contributors (@sriov-hyperv)
"""

EXAMPLES = r"""
- name: Create an external switch with SR-IOV on one physical adapter
  sriov.hyperv.vm_switch:
    name: sriov-ext
    net_adapter_names:
      - SLOT 2 Port 1
    enable_iov: true
    allow_management_os: false

- name: Create a private switch
  sriov.hyperv.vm_switch:
    name: lab-private
    switch_type: private
    notes: Isolated lab traffic

- name: Turn IOV on for an existing switch; recreate it and put the VM adapters back
  sriov.hyperv.vm_switch:
    name: vm-ext
    net_adapter_names:
      - SLOT 3 Port 1
    enable_iov: true
    creation_only_changes: recreate

- name: Remove a switch
  sriov.hyperv.vm_switch:
    name: old-switch
    state: absent
"""

RETURN = r"""
extends_documentation_fragment:
  - sriov.hyperv.results
error:
  returned: on failure, when there are details
  sample: {"problems": ["iov_weight: 101 is out of range 0-100. Give a whole number from 0 to 100."]}
before:
  description:
    - The switch before the task, in the shape of one item of the O(sriov.hyperv.host_config#module:config.switches)
      option of M(sriov.hyperv.host_config). An empty dict when the switch did not exist.
  returned: success
  type: dict
  sample: {"name": "sriov-ext", "switch_type": "external", "net_adapter_names": ["SLOT 2 Port 1"],
           "enable_iov": false, "allow_management_os": true, "minimum_bandwidth_mode": "absolute",
           "enable_embedded_teaming": false, "enable_packet_direct": false, "notes": ""}
after:
  description:
    - The switch after the task, same shape as RV(before). An empty dict when the switch is absent.
    - In check mode, the predicted state; otherwise the state read back from the host.
  returned: success
  type: dict
  sample: {"name": "sriov-ext", "switch_type": "external", "net_adapter_names": ["SLOT 2 Port 1"],
           "enable_iov": true, "allow_management_os": true, "minimum_bandwidth_mode": "none",
           "enable_embedded_teaming": false, "enable_packet_direct": false, "notes": ""}
commands:
  returned: success
  sample: ["Remove-VMSwitch -Name 'vm-ext' -Force",
           "New-VMSwitch -Name 'vm-ext' -NetAdapterName 'SLOT 3 Port 1' -EnableIov $true"]
recreated_switches:
  description:
    - Names of the switches that are (or, in check mode, would be) removed and created again because
      a creation-only setting changed.
  returned: success
  type: list
  elements: str
  sample: ["vm-ext"]
restart_required:
  returned: success
  sample: false
restart_required_adapters:
  returned: success
  sample: ["SLOT 2 Port 1"]
diff:
  returned: when diff mode is on
"""

from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module


def main() -> None:
    _module.run_module(_module.VM_SWITCH)


if __name__ == "__main__":
    main()
