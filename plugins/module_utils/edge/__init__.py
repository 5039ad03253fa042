# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edge: the one layer that touches AnsibleModule.

Argument specs, the module run loop (parse options, read, plan, apply, report) and the single
place where a HyperVError becomes fail_json (``_module``). The modules in plugins/modules call
only this layer.

May import: transport, spec, reconcile, host.
"""
