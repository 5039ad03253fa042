#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: net_adapter_sriov
short_description: Manage SR-IOV on one physical network adapter of a Hyper-V host
version_added: 0.1.0
description:
  - Enables or disables SR-IOV on one physical network adapter and sets the number of virtual
    functions it offers (the settings of C(Get-NetAdapterSriov)).
  - Windows applies these settings when the adapter restarts. By default the module never restarts
    the adapter; the change is stored and reported as pending (RV(restart_required)); a requested
    value that is only waiting for the restart counts as converged, so a second run reports no change.
  - The adapter must report SR-IOV support; M(sriov.hyperv.host_info) shows it with the reason when
    it does not.
options:
  name:
    description:
      - Name of the physical network adapter, as shown by C(Get-NetAdapter).
    type: str
    required: true
  sriov_enabled:
    description:
      - Whether SR-IOV is enabled on the adapter. Disabling it takes the virtual functions away from
        the VMs using them; they fall back to the synthetic network path.
    type: bool
  num_vfs:
    description:
      - Number of virtual functions the adapter offers, from V(0) up to what the adapter's driver
        accepts (M(sriov.hyperv.host_info) shows it as C(max_vfs)).
    type: int
  restart:
    description:
      - Restart the adapter so that the change takes effect now. The host loses network traffic on
        that adapter (and on any switch bound to it) for the duration of the restart.
      - With V(false) nothing is restarted and RV(restart_required) reports the pending change.
    type: bool
    default: false
extends_documentation_fragment:
  - sriov.hyperv.connection
  - sriov.hyperv.attributes
  - sriov.hyperv.attributes.changing_module
notes:
  - Requires Windows Server 2012 or later and an adapter whose hardware, firmware and driver support
    SR-IOV, on a host whose platform supports it (see M(sriov.hyperv.host_info)).
  - Nothing is restarted unless O(restart=true).
seealso:
  - module: sriov.hyperv.host_info
    description: SR-IOV support of each physical adapter, configured and effective values, pending restarts.
  - module: sriov.hyperv.host_config
    description: Manage physical adapters, switches and VM adapters of a host in one task.
author:
  - sriov.hyperv contributors (@sriov-hyperv)
"""

EXAMPLES = r"""
- name: Enable SR-IOV with 32 virtual functions, applied at the next adapter restart
  sriov.hyperv.net_adapter_sriov:
    name: SLOT 2 Port 1
    sriov_enabled: true
    num_vfs: 32
  register: sriov

- name: Report the pending restart
  ansible.builtin.debug:
    msg: "SLOT 2 Port 1 needs a restart: {{ sriov.restart_required }}"

- name: Enable SR-IOV and restart the adapter now
  sriov.hyperv.net_adapter_sriov:
    name: SLOT 2 Port 1
    sriov_enabled: true
    restart: true

- name: Disable SR-IOV on an adapter
  sriov.hyperv.net_adapter_sriov:
    name: SLOT 3 Port 1
    sriov_enabled: false
"""

RETURN = r"""
extends_documentation_fragment:
  - sriov.hyperv.results
error:
  returned: on failure, when there are details
  sample: {"problems": ["iov_weight: 101 is out of range 0-100. Give a whole number from 0 to 100."]}
before:
  description:
    - The adapter's SR-IOV settings before the task, in the shape of one item of the
      O(sriov.hyperv.host_config#module:config.physical_adapters) option of M(sriov.hyperv.host_config).
    - Configured values, including changes still waiting for a restart.
  returned: success
  type: dict
  sample: {"name": "SLOT 2 Port 1", "sriov_enabled": false, "num_vfs": 8}
after:
  description:
    - The adapter's SR-IOV settings after the task, same shape as RV(before).
    - In check mode, the predicted state; otherwise the state read back from the host.
  returned: success
  type: dict
  sample: {"name": "SLOT 2 Port 1", "sriov_enabled": true, "num_vfs": 32}
commands:
  returned: success
  sample: ["Set-NetAdapterSriov -Name 'SLOT 2 Port 1' -Enabled $true -NumVFs 32 -NoRestart"]
restart_required:
  returned: success
  sample: true
restart_required_adapters:
  returned: success
  sample: ["SLOT 2 Port 1"]
diff:
  returned: when diff mode is on
"""

from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module


def main() -> None:
    _module.run_module(_module.NET_ADAPTER_SRIOV)


if __name__ == "__main__":
    main()
