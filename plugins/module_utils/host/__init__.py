# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host: the Hyper-V operations that do I/O through a Runner.

Reading the whole host in one round trip and applying a Plan in batched pipelines (``_host``),
running a guarded switch recreate with its parking record and rollback (``_recreate``), and the
host_info facts (``_facts``), and a Runner over an export made on the host (``_export``) that
answers the whole-host read without a connection. It runs what the planner decided and never decides itself;
it knows no AnsibleModule.

May import: transport, spec, reconcile.
"""
