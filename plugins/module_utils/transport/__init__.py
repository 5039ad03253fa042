# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transport: talking PowerShell to a host, and nothing about Hyper-V.

The Runner protocol and its plain data (``_runner``), the pypsrp runner (``_psrp_runner``), the
connection options (``_connection``) and the typed exceptions an error record or a broken
connection becomes (``_errors``). It is the bottom layer: it knows no model, no plan and no
AnsibleModule, so the emulator's in-process runner can stand in for it.

May import: nothing else in module_utils.
"""
