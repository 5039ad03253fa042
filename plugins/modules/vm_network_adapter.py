#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_network_adapter
short_description: Manage the switch connection and SR-IOV / offload settings of one Hyper-V network adapter
version_added: 0.1.0
description:
  - Connects one existing network adapter of a Hyper-V VM (or one host virtual network adapter of
    the management OS) to a virtual switch and sets its SR-IOV, VMQ, IPsec task offload, vRSS and
    VMMQ settings.
  - The adapter is identified by O(vm_name) (or O(management_os)) together with O(name), never by
    its position. Where several adapters of the VM share the name (Hyper-V names every adapter
    C(Network Adapter) unless told otherwise), O(mac_address) picks one; without it such a task is
    refused before anything is written, listing each adapter of that name.
  - Only the options you set are managed; an unset option keeps whatever value the adapter has.
  - The adapter must exist; this module does not add or remove adapters.
  - Settings are applied to running VMs without stopping them. Whether the adapter then actually
    gets an SR-IOV virtual function depends on the switch, the hardware, the VM and its guest;
    M(sriov.hyperv.host_info) lists the reasons when it does not.
options:
  vm_name:
    description:
      - Name of the VM that owns the adapter.
      - Exactly one of O(vm_name) and O(management_os) is required.
    type: str
  management_os:
    description:
      - Set to V(true) to manage a host virtual network adapter of the management operating system
        instead of a VM's adapter.
      - Host virtual network adapters have no SR-IOV settings, so O(iov_weight),
        O(iov_queue_pairs_requested) and O(iov_interrupt_moderation) are refused for them.
    type: bool
  name:
    description:
      - Name of the network adapter, for example C(Network Adapter). Names are compared without
        regard to case.
    type: str
    required: true
  mac_address:
    description:
      - MAC address of the adapter, to pick one of several adapters that share O(name). Written as
        V(00155D0A0B0C), V(00-15-5D-0A-0B-0C) or V(00:15:5d:0a:0b:0c).
      - Only identifies the adapter; this module never changes a MAC address.
      - Every command then reaches that adapter alone
        (C(Get-VMNetworkAdapter ... | Where-Object -Property MacAddress -EQ -Value ... | Set-VMNetworkAdapter ...)).
    type: str
    version_added: 0.2.0
  switch_name:
    description:
      - Name of the virtual switch the adapter is connected to. The switch must exist.
    type: str
  iov_weight:
    description:
      - SR-IOV weight of the adapter, V(0) to V(100). V(0) turns SR-IOV off for the adapter; any
        other value asks for a virtual function, which the adapter gets only on an IOV-enabled switch
        with a free virtual function.
    type: int
  iov_queue_pairs_requested:
    description:
      - Number of hardware queue pairs requested for the adapter's virtual function, at least V(1).
    type: int
  iov_interrupt_moderation:
    description:
      - Interrupt moderation of the virtual function. V(default) uses the physical adapter vendor's
        setting; V(adaptive) adjusts it to the traffic.
    type: str
    choices: [default, adaptive, "off", low, medium, high]
  vmq_weight:
    description:
      - Virtual machine queue (VMQ) weight, V(0) to V(100). V(0) turns VMQ off for the adapter.
    type: int
  ipsec_offload_max_sa:
    description:
      - Maximum number of IPsec security associations offloaded to the physical adapter. V(0) turns
        IPsec task offload off.
    type: int
  vrss_enabled:
    description:
      - Whether virtual receive side scaling (vRSS) is requested for the adapter.
    type: bool
  vmmq_enabled:
    description:
      - Whether virtual machine multi-queue (VMMQ) is requested for the adapter.
    type: bool
  vmmq_queue_pairs:
    description:
      - Number of VMMQ / vRSS queue pairs requested, at least V(1). The host may grant fewer;
        M(sriov.hyperv.host_info) shows the requested and the effective value.
    type: int
  vrss_min_queue_pairs:
    description:
      - Fewest vRSS queue pairs the adapter is given, at least V(1) and no more than O(vmmq_queue_pairs)
        (Hyper-V refuses a minimum above the maximum). Hyper-V's default is V(1).
      - Windows Server 2019 and later; on an older host the task is refused before any write.
    type: int
    version_added: 0.2.0
  vrss_queue_scheduling_mode:
    description:
      - How vRSS queues are placed on processors. V(dynamic) moves them with the load (dynamic VMMQ),
        V(static_vmq) and V(static_vrss) (Hyper-V's default) keep them where they were placed.
      - Windows Server 2019 and later.
    type: str
    choices: [dynamic, static_vmq, static_vrss]
    version_added: 0.2.0
  vrss_exclude_primary_processor:
    description:
      - Whether vRSS leaves the adapter's primary processor out of the spread (Hyper-V's default is
        V(false)).
      - Windows Server 2019 and later.
    type: bool
    version_added: 0.2.0
  vrss_independent_host_spreading:
    description:
      - Whether vRSS spreads the adapter's traffic on the host independently of the guest (Hyper-V's
        default is V(false)).
      - Windows Server 2019 and later.
    type: bool
    version_added: 0.2.0
  vrss_vmbus_channel_affinity_policy:
    description:
      - How tightly the adapter's VMBus channels stay on their vRSS processors, V(weak), V(strong)
        (Hyper-V's default) or V(strict). Hyper-V has a V(None) policy too, but its cmdlet refuses to set it.
      - Windows Server 2019 and later.
    type: str
    choices: [weak, strong, strict]
    version_added: 0.2.0
  rsc_enabled:
    description:
      - Whether receive segment coalescing (RSC) in the virtual switch is requested for the adapter
        (Hyper-V's default is V(true)). RSC does not apply to traffic on an SR-IOV virtual function.
      - Windows Server 2022 and later. Whether a host shows it on management-OS adapters varies; the
        task uses it where the adapter shows it and refuses it elsewhere.
    type: bool
    version_added: 0.2.0
  minimum_bandwidth_weight:
    description:
      - Minimum bandwidth weight of the adapter relative to the other adapters on its switch, V(0)
        (none, Hyper-V's default) to V(100).
      - Only on a switch whose C(minimum_bandwidth_mode) is V(weight). On a switch of another mode
        (an SR-IOV switch has none) the task is refused before any write, naming the option to use.
      - Traffic on an SR-IOV virtual function bypasses the switch and its bandwidth management.
    type: int
    version_added: 0.2.0
  minimum_bandwidth_absolute:
    description:
      - Minimum bandwidth of the adapter in bits per second, a multiple of 8 (Hyper-V rounds to one),
        V(0) for none (Hyper-V's default). Microsoft recommends more than 100 Mbps.
      - Only on a switch whose C(minimum_bandwidth_mode) is V(absolute) (what V(default) resolves to on
        a switch without SR-IOV on Windows Server 2016 and later). On a switch of another mode the task
        is refused before any write, naming the option to use.
    type: int
    version_added: 0.2.0
  allow_teaming:
    description:
      - Whether the guest may team this adapter with other adapters on the same switch (used, for
        example, to team SR-IOV adapters inside the guest).
    type: bool
extends_documentation_fragment:
  - sriov.hyperv.connection
  - sriov.hyperv.attributes
  - sriov.hyperv.attributes.changing_module
notes:
  - Requires Windows Server 2016 or later with the Hyper-V role. VMMQ needs Windows Server 2016 or
    later and a capable physical adapter.
  - SR-IOV in the guest needs a 64-bit guest with a virtual function driver (Windows Server 2012 /
    Windows 8 and later, or a Linux kernel with the netvsc and VF drivers).
  - Nothing is restarted by this module; the VM keeps running while its adapter settings change.
seealso:
  - module: sriov.hyperv.host_info
    description: Requested and effective values per adapter, and why an adapter has no virtual function.
  - module: sriov.hyperv.host_config
    description: Manage every adapter of a host in one task.
  - module: sriov.hyperv.vm_switch
author:
  - sriov.hyperv contributors (@sriov-hyperv)
"""

EXAMPLES = r"""
- name: Connect a VM adapter to an IOV switch and ask for a virtual function
  sriov.hyperv.vm_network_adapter:
    vm_name: web01
    name: Network Adapter
    switch_name: sriov-ext
    iov_weight: 80
    iov_queue_pairs_requested: 4
    iov_interrupt_moderation: adaptive

- name: Turn SR-IOV off for one adapter (it falls back to the synthetic path)
  sriov.hyperv.vm_network_adapter:
    vm_name: web01
    name: Network Adapter
    iov_weight: 0

- name: Give a virtual function to one of two adapters that are both called "Network Adapter"
  sriov.hyperv.vm_network_adapter:
    vm_name: fileserver
    name: Network Adapter
    mac_address: 00-15-5D-0A-0B-01
    iov_weight: 100

- name: Tune VMMQ on a host virtual network adapter
  sriov.hyperv.vm_network_adapter:
    management_os: true
    name: Management
    vmmq_enabled: true
    vmmq_queue_pairs: 8
"""

RETURN = r"""
extends_documentation_fragment:
  - sriov.hyperv.results
error:
  returned: on failure, when there are details
  sample: {"problems": ["iov_weight: 101 is out of range 0-100. Give a whole number from 0 to 100."]}
before:
  description:
    - The adapter before the task, in the shape of one item of the
      O(sriov.hyperv.host_config#module:config.vm_adapters) option of M(sriov.hyperv.host_config).
    - An empty dict when the adapter was not found.
  returned: success
  type: dict
  sample: {"vm_name": "web01", "management_os": false, "name": "Network Adapter", "switch_name": "vm-ext",
           "iov_weight": 0, "iov_queue_pairs_requested": 1, "iov_interrupt_moderation": "default",
           "vmq_weight": 100, "ipsec_offload_max_sa": 512, "vrss_enabled": true, "vmmq_enabled": true,
           "vmmq_queue_pairs": 16, "allow_teaming": false}
after:
  description:
    - The adapter after the task, same shape as RV(before).
    - In check mode, the predicted state; otherwise the state read back from the host.
  returned: success
  type: dict
  sample: {"vm_name": "web01", "management_os": false, "name": "Network Adapter", "switch_name": "sriov-ext",
           "iov_weight": 80, "iov_queue_pairs_requested": 4, "iov_interrupt_moderation": "adaptive",
           "vmq_weight": 100, "ipsec_offload_max_sa": 512, "vrss_enabled": true, "vmmq_enabled": true,
           "vmmq_queue_pairs": 16, "allow_teaming": false}
commands:
  returned: success
  sample: ["Connect-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -SwitchName 'sriov-ext'",
           "Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -IovWeight 80 -IovQueuePairsRequested 4"]
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
    _module.run_module(_module.VM_NETWORK_ADAPTER)


if __name__ == "__main__":
    main()
