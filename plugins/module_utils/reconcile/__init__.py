# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reconcile: the pure planner, (want, have, state, policy) -> Plan.

Compares a HostConfig with an Observed host and returns ordered operations (physical NIC, then
switch, then adapters), the predicted ``after``, warnings and refusals; it also prepares the
steps of a switch recreate. No I/O: it builds Command values but never runs them, so check mode
stops here. The VF headroom of a group of hosts (``_headroom``) is pure computation of the same
kind, over host_info results: who would keep a virtual function if VMs moved.

May import: transport, spec.
"""
