#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_config
short_description: Manage the SR-IOV and NIC acceleration configuration of a whole Hyper-V host
version_added: 0.1.0
description:
  - Brings the physical adapters' SR-IOV settings, the virtual switches and the network adapters of
    VMs and of the management OS of one Hyper-V host to a desired state, in that order.
  - The host is read once, a plan is computed from the difference, and only what differs is changed.
    In check mode the plan is reported and nothing is changed.
  - Only the options you set are managed. An option left unset is never reset to a default, except
    by O(state=replaced) and O(state=overridden), which reset the unset options of the items they
    touch to Hyper-V's defaults.
  - Creation-only switch settings are never changed silently; see O(creation_only_changes).
options:
  config:
    description:
      - The desired configuration. The output of O(state=gathered) (RV(gathered)) and the
        RV(sriov.hyperv.host_info#module:config) returned by M(sriov.hyperv.host_info) have this
        shape and can be given back here.
      - Required for every O(state) except V(gathered) and V(parsed).
    type: dict
    suboptions:
      physical_adapters:
        description:
          - SR-IOV settings of physical network adapters, identified by name.
        type: list
        elements: dict
        suboptions:
          name:
            description:
              - Name of the physical network adapter, as shown by C(Get-NetAdapter).
            type: str
            required: true
          sriov_enabled:
            description:
              - Whether SR-IOV is enabled on the adapter.
            type: bool
          num_vfs:
            description:
              - Number of virtual functions the adapter offers, from V(0) up to what its driver accepts.
            type: int
      switches:
        description:
          - Virtual switches, identified by name. See M(sriov.hyperv.vm_switch) for each option in detail.
        type: list
        elements: dict
        suboptions:
          name:
            description:
              - Name of the virtual switch.
            type: str
            required: true
          switch_type:
            description:
              - The kind of switch; external when O(config.switches[].net_adapter_names) is set.
            type: str
            choices: [external, internal, private]
          net_adapter_names:
            description:
              - Physical adapters an external switch is bound to; more than one makes a SET switch.
            type: list
            elements: str
          enable_iov:
            description:
              - Whether SR-IOV is enabled on the switch. Creation-only.
            type: bool
          allow_management_os:
            description:
              - Whether the management OS shares the external switch's adapter.
            type: bool
          minimum_bandwidth_mode:
            description:
              - How minimum bandwidth is expressed on the switch's ports. Creation-only. V(default) is
                compared as the value Hyper-V resolves it to.
            type: str
            choices: [default, weight, absolute, none]
          enable_embedded_teaming:
            description:
              - Whether the switch is a Switch Embedded Teaming switch. Creation-only.
            type: bool
          enable_packet_direct:
            description:
              - Whether PacketDirect is enabled on the switch. Creation-only.
            type: bool
          load_balancing_algorithm:
            description:
              - Load balancing of a Switch Embedded Teaming (SET) switch, V(hyper_v_port) or V(dynamic)
                (Hyper-V's default). Set in place with C(Set-VMSwitchTeam). SET switches only.
            type: str
            choices: [hyper_v_port, dynamic]
            version_added: 0.2.0
          default_queue_vrss_enabled:
            description:
              - Whether vRSS is requested for the switch's default queue (the host's own traffic on it).
            type: bool
            version_added: 0.2.0
          default_queue_vmmq_enabled:
            description:
              - Whether VMMQ is requested for the switch's default queue.
            type: bool
            version_added: 0.2.0
          default_queue_vmmq_queue_pairs:
            description:
              - VMMQ / vRSS queue pairs requested for the switch's default queue, at least V(1).
            type: int
            version_added: 0.2.0
          software_rsc_enabled:
            description:
              - Whether receive segment coalescing (RSC) in the virtual switch is on.
            type: bool
            version_added: 0.2.0
          default_flow_minimum_bandwidth_weight:
            description:
              - Minimum bandwidth weight, V(1) to V(100), of the traffic on the switch that no adapter
                setting covers. Weight mode switches only. Never reset.
            type: int
            version_added: 0.2.0
          default_flow_minimum_bandwidth_absolute:
            description:
              - Minimum bandwidth in bits per second of the traffic on the switch that no adapter setting
                covers. Absolute mode switches only. Never reset.
            type: int
            version_added: 0.2.0
          notes:
            description:
              - Free-text notes stored on the switch.
            type: str
          remove_management_os_adapters:
            description:
              - Host virtual network adapters of this switch that the task lets go when the switch loses the
                management OS (O(config.switches[].allow_management_os=false),
                O(config.switches[].switch_type=private), or a recreate without it). Without every one of them
                listed, the task is refused. Not a setting; never gathered.
            type: list
            elements: str
            version_added: 0.2.0
      vm_adapters:
        description:
          - Network adapters of VMs (identified by VM name and adapter name) and of the management OS
            (identified by adapter name). The adapters must exist. See M(sriov.hyperv.vm_network_adapter)
            for each option in detail.
        type: list
        elements: dict
        suboptions:
          vm_name:
            description:
              - Name of the VM that owns the adapter. Exactly one of this and
                O(config.vm_adapters[].management_os) is required.
            type: str
          management_os:
            description:
              - V(true) for a host virtual network adapter of the management OS.
            type: bool
          name:
            description:
              - Name of the network adapter.
            type: str
            required: true
          mac_address:
            description:
              - MAC address of the adapter (V(00155D0A0B0C), V(00-15-5D-0A-0B-0C) or V(00:15:5d:0a:0b:0c)), to
                pick one of several adapters of the VM that share the name. An entry whose name several adapters
                share and that has no MAC address is refused before any write. The output of state V(gathered)
                carries it exactly where a name is not unique, so it feeds back as it is.
            type: str
            version_added: 0.2.0
          switch_name:
            description:
              - The virtual switch the adapter is connected to.
            type: str
          iov_weight:
            description:
              - SR-IOV weight, V(0) (SR-IOV off) to V(100). Not for management-OS adapters.
            type: int
          iov_queue_pairs_requested:
            description:
              - Hardware queue pairs requested for the virtual function, at least V(1). Not for
                management-OS adapters.
            type: int
          iov_interrupt_moderation:
            description:
              - Interrupt moderation of the virtual function. Not for management-OS adapters.
            type: str
            choices: [default, adaptive, "off", low, medium, high]
          vmq_weight:
            description:
              - VMQ weight, V(0) (VMQ off) to V(100).
            type: int
          ipsec_offload_max_sa:
            description:
              - Maximum offloaded IPsec security associations; V(0) turns IPsec task offload off.
            type: int
          vrss_enabled:
            description:
              - Whether vRSS is requested.
            type: bool
          vmmq_enabled:
            description:
              - Whether VMMQ is requested.
            type: bool
          vmmq_queue_pairs:
            description:
              - VMMQ / vRSS queue pairs requested, at least V(1).
            type: int
          vrss_min_queue_pairs:
            description:
              - Fewest vRSS queue pairs the adapter is given, at least V(1) and no more than its
                vmmq_queue_pairs.
            type: int
            version_added: 0.2.0
          vrss_queue_scheduling_mode:
            description:
              - How vRSS queues are placed on processors, V(dynamic) (moved with the load), V(static_vmq) or
                V(static_vrss) (Hyper-V's default).
            type: str
            choices: [dynamic, static_vmq, static_vrss]
            version_added: 0.2.0
          vrss_exclude_primary_processor:
            description:
              - Whether vRSS leaves the adapter's primary processor out of the spread.
            type: bool
            version_added: 0.2.0
          vrss_independent_host_spreading:
            description:
              - Whether vRSS spreads the adapter's traffic on the host independently of the guest.
            type: bool
            version_added: 0.2.0
          vrss_vmbus_channel_affinity_policy:
            description:
              - How tightly the adapter's VMBus channels stay on their vRSS processors, V(weak), V(strong)
                (Hyper-V's default) or V(strict).
            type: str
            choices: [weak, strong, strict]
            version_added: 0.2.0
          rsc_enabled:
            description:
              - Whether receive segment coalescing (RSC) in the virtual switch is requested for the adapter.
            type: bool
            version_added: 0.2.0
          minimum_bandwidth_weight:
            description:
              - Minimum bandwidth weight of the adapter relative to the others on its switch, V(0) (none) to
                V(100). Only on a switch whose minimum bandwidth mode is weight.
            type: int
            version_added: 0.2.0
          minimum_bandwidth_absolute:
            description:
              - Minimum bandwidth of the adapter in bits per second, a multiple of 8, V(0) for none. Only on a
                switch whose minimum bandwidth mode is absolute.
            type: int
            version_added: 0.2.0
          allow_teaming:
            description:
              - Whether the guest may team this adapter.
            type: bool
  state:
    description:
      - V(merged) adds what is missing and changes the options given; nothing else is touched.
      - V(replaced) is V(merged), and in addition resets the unset options of every item given to
        Hyper-V's defaults.
      - V(overridden) is V(replaced), and in addition, for each section given in O(config), resets
        what the section does not list - switches not listed are removed, VM and management-OS
        adapters not listed go back to Hyper-V's defaults (they stay connected) and physical
        adapters not listed go back to their driver defaults. A section left out of O(config) is not
        touched, so O(config) with only O(config.switches) never resets an adapter.
      - V(deleted) removes the switches given, and resets the adapters and physical adapters given
        to Hyper-V's (or the driver's) defaults; the adapters stay connected.
      - V(gathered) reads the host and returns RV(gathered) in the shape of O(config); nothing changes.
      - V(rendered) returns RV(rendered), the commands that create O(config) on an empty host,
        without connecting to any host.
      - V(parsed) reads O(running_config), an export made on the host, and returns RV(parsed) in the
        shape of O(config), without connecting to any host.
    type: str
    choices: [merged, replaced, overridden, deleted, gathered, rendered, parsed]
    default: merged
  hostname:
    # Not needed when an export is read (O(running_config)); required otherwise.
    required: false
  running_config:
    description:
      - With O(state=parsed), the text of an export of the host's state, made on the host (or through
        any channel the controller cannot use) with one of these commands, which run exactly the
        cmdlets a live read runs.
      - "CLIXML (keeps the type names, preferred) - C(& { Get-VMHost; Get-VM; Get-VMSwitch;
        Get-VMNetworkAdapter -All; Get-VMNetworkAdapter -All | Select-Object -Property 'Id'
        -ExpandProperty 'BandwidthSetting'; Get-NetAdapter -Physical; Get-NetAdapterSriov;
        Get-NetAdapterAdvancedProperty -RegistryKeyword '*SRIOV','*NumVFs'; Get-VMSwitchTeam } |
        Export-Clixml -Path C:\\hv01-sriov.xml)."
      - "JSON - the same commands piped to C(ConvertTo-Json -Depth 2 | Set-Content -Path
        C:\\hv01-sriov.json -Encoding UTF8). JSON has no type names: each object is recognised by
        its properties, and enum numbers are turned back into names."
      - The output of C(Invoke-Command -ComputerName hv01 { ... } | Export-Clixml) (type names
        starting with C(Deserialized.)) is read the same way.
      - On a host without SR-IOV adapters C(Get-NetAdapterSriov) prints an error, and Windows Server
        2012 R2 has no C(Get-VMSwitchTeam); the export is complete all the same.
      - Read with C(lookup('ansible.builtin.file', 'hv01-sriov.xml')). Only valid with O(state=parsed);
        M(sriov.hyperv.host_info) takes it too, to audit an export.
    type: str
  creation_only_changes:
    description:
      - What to do when a creation-only setting of an existing switch (IOV, minimum bandwidth mode,
        embedded teaming, PacketDirect) differs from the requested one.
      - V(fail) changes nothing at all and fails with a message that names the switch, the setting and
        the remedies.
      - V(recreate) removes the switch, creates it with the requested settings and reconnects every
        adapter that was connected to it, restoring their settings. If creating the switch fails, the
        original switch and its connections are restored and the task fails.
    type: str
    choices: [fail, recreate]
    default: fail
  restart:
    description:
      - Restart the physical adapters whose SR-IOV settings change, so that the change takes effect
        now. Traffic through those adapters stops during the restart.
      - With V(false) nothing is restarted and RV(restart_required) reports pending changes.
    type: bool
    default: false
extends_documentation_fragment:
  - sriov.hyperv.connection
  - sriov.hyperv.attributes
  - sriov.hyperv.attributes.changing_module
notes:
  - Requires Windows Server 2016 or later with the Hyper-V role and its PowerShell module.
  - Nothing (no physical adapter, no VM) is restarted unless O(restart=true); VMs are never restarted.
  - The whole configuration is validated before the first change; invalid input changes nothing.
seealso:
  - module: sriov.hyperv.host_info
    description: Read everything this module manages, plus capability and why-no-VF reasons.
  - module: sriov.hyperv.vm_switch
  - module: sriov.hyperv.vm_network_adapter
  - module: sriov.hyperv.net_adapter_sriov
author:
  - sriov.hyperv contributors (@sriov-hyperv)
"""

EXAMPLES = r"""
- name: Merge an SR-IOV setup into the host
  sriov.hyperv.host_config:
    state: merged
    config:
      physical_adapters:
        - name: SLOT 2 Port 1
          sriov_enabled: true
          num_vfs: 32
      switches:
        - name: sriov-ext
          net_adapter_names:
            - SLOT 2 Port 1
          enable_iov: true
      vm_adapters:
        - vm_name: web01
          name: Network Adapter
          switch_name: sriov-ext
          iov_weight: 80
          iov_queue_pairs_requested: 4
          iov_interrupt_moderation: adaptive

- name: Turn IOV on for a switch that VMs use, reconnecting them
  sriov.hyperv.host_config:
    creation_only_changes: recreate
    config:
      switches:
        - name: vm-ext
          enable_iov: true

- name: Replace the settings of one adapter (unset options go back to Hyper-V's defaults)
  sriov.hyperv.host_config:
    state: replaced
    config:
      vm_adapters:
        - vm_name: web01
          name: Network Adapter
          switch_name: sriov-ext
          iov_weight: 100

- name: Make the host exactly this (switches not listed are removed)
  sriov.hyperv.host_config:
    state: overridden
    config:
      switches:
        - name: sriov-ext
          net_adapter_names:
            - SLOT 2 Port 1
          enable_iov: true

- name: Remove a switch
  sriov.hyperv.host_config:
    state: deleted
    config:
      switches:
        - name: old-switch

- name: Read the host's configuration
  sriov.hyperv.host_config:
    state: gathered
  register: current

- name: Turn an export made on the host into config, without connecting
  sriov.hyperv.host_config:
    state: parsed
    running_config: "{{ lookup('ansible.builtin.file', 'exports/hv01-sriov.xml') }}"
  register: exported
  delegate_to: localhost

- name: Show the commands for a configuration without connecting
  sriov.hyperv.host_config:
    state: rendered
    config: "{{ current.gathered }}"
"""

RETURN = r"""
extends_documentation_fragment:
  - sriov.hyperv.results
error:
  returned: on failure, when there are details
  sample: {"problems": ["iov_weight: 101 is out of range 0-100. Give a whole number from 0 to 100."]}
before:
  description:
    - The host's configuration before the task, in the shape of O(config).
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: dict
  sample: {"physical_adapters": [{"name": "SLOT 2 Port 1", "sriov_enabled": true, "num_vfs": 8}],
           "switches": [], "vm_adapters": []}
after:
  description:
    - The host's configuration after the task, in the shape of O(config).
    - In check mode, the predicted configuration; otherwise the configuration read back from the host.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: dict
  sample: {"physical_adapters": [{"name": "SLOT 2 Port 1", "sriov_enabled": true, "num_vfs": 32}],
           "switches": [{"name": "sriov-ext", "switch_type": "external", "enable_iov": true}],
           "vm_adapters": []}
commands:
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  sample: ["Set-NetAdapterSriov -Name 'SLOT 2 Port 1' -NumVFs 32 -NoRestart",
           "New-VMSwitch -Name 'sriov-ext' -NetAdapterName 'SLOT 2 Port 1' -EnableIov $true"]
recreated_switches:
  description:
    - Names of the switches that are (or, in check mode, would be) removed and created again because
      a creation-only setting changed.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: str
  sample: []
restart_required:
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  sample: true
restart_required_adapters:
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  sample: ["SLOT 2 Port 1"]
gathered:
  description:
    - The host's configuration in the shape of O(config); it can be given back as O(config).
  returned: when O(state=gathered)
  type: dict
  sample: {"physical_adapters": [{"name": "SLOT 2 Port 1", "sriov_enabled": true, "num_vfs": 32}],
           "switches": [{"name": "sriov-ext", "switch_type": "external", "net_adapter_names": ["SLOT 2 Port 1"],
                         "enable_iov": true}],
           "vm_adapters": []}
parsed:
  description:
    - The configuration in O(running_config), in the shape of O(config); it can be given back as
      O(config), and equals what O(state=gathered) returns on the host that made the export.
  returned: when O(state=parsed)
  type: dict
  sample: {"physical_adapters": [{"name": "SLOT 2 Port 1", "sriov_enabled": true, "num_vfs": 32}],
           "switches": [{"name": "sriov-ext", "switch_type": "external", "net_adapter_names": ["SLOT 2 Port 1"],
                         "enable_iov": true}],
           "vm_adapters": []}
rendered:
  description:
    - The PowerShell commands that create O(config) on a host that has none of it.
  returned: when O(state=rendered)
  type: list
  elements: str
  sample: ["New-VMSwitch -Name 'sriov-ext' -NetAdapterName 'SLOT 2 Port 1' -EnableIov $true"]
diff:
  returned: when diff mode is on and O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
"""

from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module


def main() -> None:
    _module.run_module(_module.HOST_CONFIG)


if __name__ == "__main__":
    main()
