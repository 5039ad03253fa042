#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_info
short_description: Read SR-IOV capability, switches and adapters of a Hyper-V host, with why-no-VF reasons
version_added: 0.1.0
description:
  - Reads a Hyper-V host in one round trip and reports what matters to SR-IOV and NIC acceleration.
  - The host's SR-IOV capability, with Hyper-V's own reasons when it is missing.
  - Each physical adapter's SR-IOV support, the values in effect and changes waiting for a restart.
  - Each virtual switch with its IOV state and a summary of its virtual function capacity and holders.
  - Each network adapter of the VMs and of the management OS with its requested and effective
    values and, when it has no virtual function, the ordered list of reasons why.
  - The configuration in the shape of the O(sriov.hyperv.host_config#module:config) option of
    M(sriov.hyperv.host_config).
  - Every conclusion is drawn from properties the host reports, so it holds on a real host as well.
  - This module never changes the host.
options:
  hostname:
    # Not needed when an export is read (O(running_config)); required otherwise.
    required: false
  running_config:
    description:
      - The text of an export of the host's state made on the host, read instead of connecting, so
        an export can be audited (its facts, reasons and RV(config)) where the controller cannot
        reach the host. The export commands are those of
        O(sriov.hyperv.host_config#module:running_config).
      - Without it, the host is read over PowerShell Remoting.
    type: str
extends_documentation_fragment:
  - sriov.hyperv.connection
  - sriov.hyperv.attributes
  - sriov.hyperv.attributes.info_module
attributes:
  platform:
    support: full
    platforms: windows
  action_group:
    support: full
    membership:
      - sriov.hyperv.hyperv
notes:
  - Requires Windows Server 2016 or later with the Hyper-V role and its PowerShell module.
  - Physical adapters are those C(Get-NetAdapterSriov) reports, that is adapters whose driver
    exposes SR-IOV settings.
seealso:
  - module: sriov.hyperv.host_config
    description: Manage what this module reads; RV(config) can be given to it as O(sriov.hyperv.host_config#module:config).
  - module: sriov.hyperv.vm_switch
  - module: sriov.hyperv.vm_network_adapter
  - module: sriov.hyperv.net_adapter_sriov
author:
  - sriov.hyperv contributors (@sriov-hyperv)
"""

EXAMPLES = r"""
- name: Read the host
  sriov.hyperv.host_info:
  register: hv

- name: Show why each VM adapter has no virtual function
  ansible.builtin.debug:
    msg: "{{ item.vm_name }}/{{ item.name }}: {{ item.no_vf_reasons | map(attribute='message') | list }}"
  loop: "{{ hv.vm_adapters | selectattr('no_vf_reasons') | list }}"
  loop_control:
    label: "{{ item.vm_name }}/{{ item.name }}"

- name: Fail when a switch has run out of virtual functions
  ansible.builtin.assert:
    that: item.virtual_functions.requesting_without_vf | length == 0 or item.virtual_functions.free > 0
    fail_msg: "{{ item.name }} has no free virtual function"
  loop: "{{ hv.switches }}"
  loop_control:
    label: "{{ item.name }}"

- name: Audit an export made on a host the controller cannot reach
  sriov.hyperv.host_info:
    running_config: "{{ lookup('ansible.builtin.file', 'exports/hv01-sriov.xml') }}"
  register: exported
  delegate_to: localhost

- name: Feed the current configuration back (for example to another host)
  sriov.hyperv.host_config:
    config: "{{ hv.config }}"
"""

RETURN = r"""
error:
  description:
    - Details of the failure, beside the message in C(msg); a failure reported by the host carries
      its C(category), C(fqid) and C(host_message).
  returned: on failure, when there are details
  type: dict
  sample: {"category": "PermissionDenied", "fqid": "UnauthorizedAccess", "host_message": "Access is denied."}
host:
  description: The host's SR-IOV capability.
  returned: success
  type: dict
  contains:
    name:
      description: The host's computer name.
      type: str
      returned: success
      sample: HV01
    iov_support:
      description: Whether the platform (processor, chipset, firmware) supports SR-IOV.
      type: bool
      returned: success
      sample: false
    iov_support_reasons:
      description: Hyper-V's reasons why the platform does not support SR-IOV, verbatim; empty when it does.
      type: list
      elements: str
      returned: success
      sample: ["Ensure that the system has chipset support for SR-IOV and that I/O virtualization is enabled in the BIOS."]
physical_adapters:
  description: The physical adapters with SR-IOV settings.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Adapter name.
      type: str
      returned: success
      sample: SLOT 2 Port 1
    interface_description:
      description: Adapter interface description (the hardware model).
      type: str
      returned: success
      sample: Intel(R) Ethernet Controller X710
    sriov_support:
      description:
        - The adapter's SR-IOV support as Windows reports it, for example V(Supported), V(MissingAcs),
          V(MissingPfDriver), V(NoBusResources), V(NoIoMmuSupport), V(NoVfBarSpace) or V(NoOscSupport).
      type: str
      returned: success
      sample: Supported
    sriov_enabled:
      description: Whether SR-IOV is in effect on the adapter now.
      type: bool
      returned: success
      sample: true
    num_vfs:
      description: Number of virtual functions in effect.
      type: int
      returned: success
      sample: 32
    num_allocated_vfs:
      description: Number of virtual functions currently allocated to VMs.
      type: int
      returned: success
      sample: 2
    max_vfs:
      description: The most virtual functions the adapter's driver accepts; null when it does not say.
      type: int
      returned: success
      sample: 64
    sriov_enabled_configured:
      description: Whether SR-IOV is configured on, including a change waiting for a restart.
      type: bool
      returned: success
      sample: true
    num_vfs_configured:
      description: Configured number of virtual functions, including a change waiting for a restart.
      type: int
      returned: success
      sample: 32
    restart_pending:
      description: Whether configured and effective values differ until the adapter restarts.
      type: bool
      returned: success
      sample: false
    switch_name:
      description: The virtual switch bound to the adapter, if any.
      type: str
      returned: success
      sample: sriov-ext
switches:
  description: The virtual switches.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Switch name.
      type: str
      returned: success
      sample: sriov-ext
    id:
      description: Switch GUID.
      type: str
      returned: success
      sample: 2b6c5f1e-0d0c-4c8e-9a53-0f3f9c1d7a11
    switch_type:
      description: V(external), V(internal) or V(private).
      type: str
      returned: success
      sample: external
    net_adapter_names:
      description: The physical adapters the switch is bound to.
      type: list
      elements: str
      returned: success
      sample: ["SLOT 2 Port 1"]
    enable_iov:
      description: Whether the switch was created with SR-IOV.
      type: bool
      returned: success
      sample: true
    iov_support:
      description: Whether SR-IOV can work through the switch's physical adapter.
      type: bool
      returned: success
      sample: true
    iov_support_reasons:
      description: Hyper-V's reasons why it cannot, verbatim; empty when it can.
      type: list
      elements: str
      returned: success
      sample: []
    minimum_bandwidth_mode:
      description: The bandwidth reservation mode in effect (V(weight), V(absolute) or V(none)).
      type: str
      returned: success
      sample: none
    enable_embedded_teaming:
      description: Whether the switch is a Switch Embedded Teaming switch.
      type: bool
      returned: success
      sample: false
    enable_packet_direct:
      description: Whether PacketDirect is enabled.
      type: bool
      returned: success
      sample: false
    load_balancing_algorithm:
      description:
        - How a Switch Embedded Teaming switch spreads traffic over its members (C(Get-VMSwitchTeam)),
          V(hyper_v_port) or V(dynamic); null on a switch that is not a team.
      type: str
      returned: success
      sample: dynamic
      version_added: 0.2.0
    allow_management_os:
      description: Whether the management OS has an adapter on the switch.
      type: bool
      returned: success
      sample: true
    virtual_functions:
      description: Virtual function capacity of the switch.
      type: dict
      returned: success
      contains:
        total:
          description: Virtual functions the switch can hand out.
          type: int
          returned: success
          sample: 8
        in_use:
          description: Virtual functions in use.
          type: int
          returned: success
          sample: 8
        free:
          description: Virtual functions left.
          type: int
          returned: success
          sample: 0
        holders:
          description: The adapters holding a virtual function, as C(VM/adapter) (C(management OS/adapter) for host vNICs).
          type: list
          elements: str
          returned: success
          sample: ["web01/Network Adapter"]
        requesting_without_vf:
          description: Adapters on the switch with a non-zero SR-IOV weight that have no virtual function.
          type: list
          elements: str
          returned: success
          sample: ["web02/Network Adapter"]
    queue_pairs:
      description: SR-IOV hardware queue pairs of the switch.
      type: dict
      returned: success
      contains:
        total:
          description: Queue pairs the switch supports.
          type: int
          returned: success
          sample: 127
        in_use:
          description: Queue pairs in use.
          type: int
          returned: success
          sample: 8
vm_adapters:
  description: The network adapters of the VMs and of the management OS.
  returned: success
  type: list
  elements: dict
  contains:
    vm_name:
      description: The VM; null for a management-OS adapter.
      type: str
      returned: success
      sample: web01
    management_os:
      description: Whether this is a host virtual network adapter of the management OS.
      type: bool
      returned: success
      sample: false
    name:
      description: Adapter name.
      type: str
      returned: success
      sample: Network Adapter
    switch_name:
      description: The switch the adapter is connected to; null when not connected.
      type: str
      returned: success
      sample: sriov-ext
    connected:
      description: Whether the adapter is connected to a switch.
      type: bool
      returned: success
      sample: true
    vm_state:
      description: State of the VM (for example V(Running) or V(Off)); null for management-OS adapters.
      type: str
      returned: success
      sample: Running
    mac_address:
      description: The adapter's MAC address.
      type: str
      returned: success
      sample: 00155D010203
    status:
      description: Operational status of the adapter as the guest reports it; empty when the VM is off.
      type: list
      elements: str
      returned: success
      sample: ["Ok"]
    requested:
      description:
        - The values asked for (what O(sriov.hyperv.vm_network_adapter#module:iov_weight) and the
          other options set).
        - The C(iov_*) keys are absent for management-OS adapters, which have no SR-IOV settings.
      type: dict
      returned: success
      sample: {"iov_weight": 80, "iov_queue_pairs_requested": 4, "iov_interrupt_moderation": "adaptive",
               "vmq_weight": 100, "ipsec_offload_max_sa": 512, "vrss_enabled": true, "vmmq_enabled": true,
               "vmmq_queue_pairs": 16}
    effective:
      description:
        - What the host actually granted; compare with RV(vm_adapters[].requested).
        - C(virtual_function) tells whether a virtual function is assigned, C(iov_usage) and
          C(iov_queue_pairs_assigned) how much, C(vf_data_path_active) whether traffic uses it,
          C(vmmq_queue_pairs) the queue pairs granted.
        - The C(iov_*), C(virtual_function) and C(vf_data_path_active) keys are absent for management-OS adapters.
      type: dict
      returned: success
      sample: {"iov_usage": 1, "virtual_function": true, "iov_queue_pairs_assigned": 4, "vf_data_path_active": true,
               "vrss_enabled": true, "vmmq_enabled": true, "vmmq_queue_pairs": 4}
    sriov_active:
      description: Whether the adapter has a virtual function.
      type: bool
      returned: success
      sample: false
    no_vf_reasons:
      description:
        - Why the adapter has no virtual function, most fundamental first; empty when it has one.
        - Each reason has a C(code) and a C(message); a message that has a remedy says one that can work on
          this host. The host's own signals come first, in the order they are checked -
          V(management_os_adapter) (host vNICs never get one),
          V(not_connected),
          V(legacy_adapter) (the adapter's C(IsLegacy) is true; SR-IOV needs a synthetic adapter),
          V(switch_not_external) (an Internal or Private switch has no physical adapter to give a virtual function),
          V(switch_iov_disabled) (the External switch was created without IOV),
          V(host_iov_unsupported) (with Hyper-V's reasons in C(hyperv_reasons)),
          V(switch_iov_unsupported) (the switch cannot do SR-IOV; C(hyperv_reasons) holds the switch's reasons
          that the host's do not already give),
          V(nic_sriov_unsupported) (the physical adapter has no SR-IOV settings, or its support is not C(Supported); C(adapter)),
          V(nic_sriov_disabled) (SR-IOV is off on the physical adapter; C(adapter)),
          V(nic_no_vfs) (SR-IOV is on but the physical adapter's C(NumVFs) is 0; C(adapter)),
          V(iov_weight_zero),
          V(vm_not_running).
          Then the inferences -
          V(no_vf_available) (every virtual function of the switch is in use; the message names the first holders,
          and the switch's RV(switches[].virtual_functions.holders) lists them all),
          V(guest_no_vf) (virtual functions are free and nothing on the host stands in the way, so the guest OS lacks
          SR-IOV support or a VF driver; the host's C(StatusDescription) is quoted when it says more than OK).
        - V(no_vf_available) and V(guest_no_vf) appear only when no earlier reason applies.
      type: list
      elements: dict
      returned: success
      sample: [{"code": "vm_not_running", "message": "VM 'web02' is not running (state Off)."}]
config:
  description:
    - The host's configuration in the shape of the O(sriov.hyperv.host_config#module:config) option
      of M(sriov.hyperv.host_config), ready to be given back to it.
  returned: success
  type: dict
  sample: {"physical_adapters": [{"name": "SLOT 2 Port 1", "sriov_enabled": true, "num_vfs": 32}],
           "switches": [{"name": "sriov-ext", "switch_type": "external", "net_adapter_names": ["SLOT 2 Port 1"],
                         "enable_iov": true}],
           "vm_adapters": [{"vm_name": "web01", "name": "Network Adapter", "switch_name": "sriov-ext",
                            "iov_weight": 80}]}
"""

from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module


def main() -> None:
    _module.run_module(_module.HOST_INFO)


if __name__ == "__main__":
    main()
