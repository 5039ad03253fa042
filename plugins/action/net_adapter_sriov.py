# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.sriov.hyperv.plugins.plugin_utils._planning_action import PlanningAction


class ActionModule(PlanningAction):
    pass
