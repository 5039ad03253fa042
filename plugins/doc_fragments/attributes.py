# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The descriptions are written once here; each module states its own level of support, so a
    # module that cannot honour an attribute has to say so explicitly.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description:
      - Can run in check mode and return the predicted result (whether it would change, the
        predicted after-state and the commands it would run) without modifying the Hyper-V host.
  diff_mode:
    description:
      - Returns a C(diff) with the before and after state when run with C(--diff).
  idempotent:
    description:
      - Running the module a second time with the same arguments reports C(changed=false) and
        does not touch the host.
  platform:
    description:
      - The Hyper-V host this module manages. The module itself runs on the Ansible controller
        and reaches the host over PowerShell Remoting (WinRM/PSRP); it needs no Python on the host.
    platforms: windows
  action_group:
    description:
      - Use C(group/sriov.hyperv.hyperv) in C(module_defaults) to set defaults for this module,
        such as the connection options.
    membership:
      - sriov.hyperv.hyperv
"""

    # For modules that only read the host.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This module never changes the host, so check mode returns exactly what a normal run returns.
  diff_mode:
    support: N/A
    details:
      - This module never changes the host.
  idempotent:
    support: full
"""

    # For modules that change the host: every attribute fully supported.
    CHANGING_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
  platform:
    support: full
    platforms: windows
  action_group:
    support: full
"""
