# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The return values every changing module shares, described once. Each module adds only
    # when a key is returned and a sample in its own terms (a module's keys win in the merge).
    RETURN = r"""
commands:
  description:
    - The PowerShell commands the task runs (or, in check mode, would run), one per line, in order.
      Each line can be pasted into a PowerShell session on the host.
    - Empty when nothing needs to change.
  type: list
  elements: str
restart_required:
  description:
    - Whether a physical adapter's SR-IOV change is configured but waits for an adapter restart
      before it takes effect (see RV(restart_required_adapters)). Always V(false) after a run of
      M(sriov.hyperv.host_config) or M(sriov.hyperv.net_adapter_sriov) with C(restart=true) that
      restarted the adapters.
  type: bool
restart_required_adapters:
  description:
    - The physical adapters whose SR-IOV change is configured but waits for an adapter restart
      to take effect. Empty when nothing waits.
  type: list
  elements: str
diff:
  description:
    - RV(before) and RV(after) for C(--diff).
  type: dict
  contains:
    before:
      description: Same as RV(before).
      type: dict
      returned: always
    after:
      description: Same as RV(after).
      type: dict
      returned: always
error:
  description:
    - Details of the failure, beside the message in C(msg). C(problems) lists every validation
      problem; a failed change lists what was C(applied) before it and what was C(not_applied),
      and a failed recreate tells whether the original switch was C(rolled_back); a failure
      reported by the host carries its C(category), C(fqid) and C(host_message).
  type: dict
"""
