# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the action plugins of the modules that plan changes (all but host_info).

Private to the collection. Ansible's linear and free strategies load a task's action plugin in
the main process before they fork the workers, so what this module imports is imported once per
``ansible-playbook`` run, not once per host. It imports the planner (the reconcile package),
which the edge runs only for the modules that plan (``_module.planner``): a play of host_info
alone does not compile and load it.
"""

from __future__ import annotations

from ansible_collections.sriov.hyperv.plugins.module_utils.edge._module import planner
from ansible_collections.sriov.hyperv.plugins.plugin_utils._action import HyperVAction

planner()


class PlanningAction(HyperVAction):
    """``HyperVAction`` with the planner already imported."""
