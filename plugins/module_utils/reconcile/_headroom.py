# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VF headroom across a group of hosts: who keeps a virtual function when VMs move.

Private to the collection. Pure computation over the results of ``sriov.hyperv.host_info``
(the dicts it returns, keyed by host): nothing here touches a host, so the answer is only as
fresh as the results it is given.

What a real host does, with sources:

* A live-migrated VM needs a virtual switch of the same name on the destination, or the
  migration fails (Microsoft KB 2956020, "no virtual switch with the same name").
* On the destination the VM's adapter gets a VF again only when the switch there was created
  with IOV, the platform and the switch's NIC support SR-IOV with it in effect, and a VF is
  left; otherwise it runs on the synthetic (VMBus) path without the guest noticing
  (reference hyperv-sriov.md section 2.8, sources S11 and S16).
* How Hyper-V arbitrates VFs by ``IovWeight`` is described only qualitatively ("the relative
  importance when assigning IOV resources", reference section 2.7, source S5). This module
  follows the emulator's documented policy (docs/emulator.md, "The VF allocation policy"): a
  higher weight pre-empts the lowest-weight holder, and among equal weights whoever holds a VF
  keeps it. That is an assumption, and ``ASSUMPTIONS`` says so in every result.
"""

from __future__ import annotations

import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import name_key

# Outcomes of moving one adapter to one host.
VF = "vf"
SYNTHETIC = "synthetic"
FAILS = "fails"

# Reason codes for a destination. Those that host_info also uses keep its codes.
NO_SWITCH = "no_switch"
SWITCH_NOT_EXTERNAL = "switch_not_external"
SWITCH_IOV_DISABLED = "switch_iov_disabled"
HOST_IOV_UNSUPPORTED = "host_iov_unsupported"
SWITCH_IOV_UNSUPPORTED = "switch_iov_unsupported"
NIC_SRIOV_DISABLED = "nic_sriov_disabled"
NIC_NO_VIRTUAL_FUNCTIONS = "nic_no_virtual_functions"
NO_VF_AVAILABLE = "no_vf_available"
GUEST_NO_VF = "guest_no_vf"
PREEMPTED = "preempted"

# host_info reasons that belong to the VM or its guest rather than to the host: they travel
# with the VM, so the adapter runs synthetic wherever it goes.
_TRAVELLING_REASONS = ("guest_no_vf", "legacy_adapter")

PLACEMENT_RULE = (
    "A drained host's running VMs that have an adapter asking for SR-IOV (IovWeight above 0) are placed "
    "one at a time, highest IovWeight first (ties: VMs whose adapters hold a VF now first, then by name). "
    "Each goes to the other host with the most free VFs on the switches its SR-IOV adapters use (a "
    "switch that cannot give VFs counts as 0), among the hosts it can migrate to (every switch its "
    "adapters are connected to exists there by name); ties go to the host listed first. Placed adapters "
    "take a free VF, else pre-empt the lowest-weight holder below their own weight, else run synthetic; "
    "later placements see what earlier ones took."
)

ASSUMPTIONS = (
    "Computed from host_info results as given, without contacting any host; VMs that start or stop "
    "afterwards are not seen.",
    "Live migration needs a virtual switch of the same name (compared case-insensitively, as Hyper-V "
    "does) on the destination for every adapter that is connected; without one the migration fails "
    "(Microsoft KB 2956020).",
    "An adapter gets a VF on the destination only when the switch there is external, was created with "
    "IOV, the platform and the switch support SR-IOV, a NIC behind the switch has SR-IOV in effect with "
    "VFs, and a VF is free or can be pre-empted; otherwise it runs on the synthetic path (reference "
    "hyperv-sriov.md 2.8).",
    "Hyper-V documents IovWeight arbitration only qualitatively; this follows the emulator's VF policy "
    "(docs/emulator.md): a higher IovWeight pre-empts the lowest-weight holder, equal weights never "
    "pre-empt.",
    "A guest that did not take a VF on its current host (reason guest_no_vf) will not take one elsewhere; "
    "a guest whose adapter has no VF for a host-side reason is assumed able to use one.",
    "Only running VMs are considered: a VM that is off holds no VF and is not live-migrated.",
    "Only virtual functions are counted; queue pairs, bandwidth and memory on the destination are not.",
)


class HeadroomError(ValueError):
    """The input is not a set of host_info results; the message names the host and the fix."""


def _int(value: t.Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _label(adapter: t.Mapping[str, t.Any]) -> str:
    return "%s/%s" % (adapter.get("vm_name"), adapter.get("name"))


def _weight(adapter: t.Mapping[str, t.Any]) -> int:
    return _int((adapter.get("requested") or {}).get("iov_weight"))


def _running(adapter: t.Mapping[str, t.Any]) -> bool:
    return str(adapter.get("vm_state") or "").lower() == "running"


def _asks_for_sriov(adapter: t.Mapping[str, t.Any]) -> bool:
    return not adapter.get("management_os") and _weight(adapter) > 0


def _reason(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


class _Switch:
    """One switch of one host, with the VFs it can hand out and who holds them (mutable in a drain)."""

    def __init__(self, record: t.Mapping[str, t.Any], host: "_Host") -> None:
        self.name = str(record.get("name"))
        self.record = record
        vfs = record.get("virtual_functions") or {}
        self.total = _int(vfs.get("total"))
        self.in_use = _int(vfs.get("in_use"))
        self.nics = [
            nic for nic in host.record.get("physical_adapters") or []
            if nic.get("switch_name") and name_key(str(nic["switch_name"])) == name_key(self.name)
        ]
        # (weight, label, drained outcome or None); the order of the host's adapter list breaks
        # ties, the last being the newest holder.
        self.holders: list[list[t.Any]] = []
        self.blocked = self._blocked(host)

    def _blocked(self, host: "_Host") -> dict[str, str] | None:
        """Why this switch cannot give any VF at all, or None when it can."""
        record = self.record
        if str(record.get("switch_type") or "external").lower() != "external":
            return _reason(SWITCH_NOT_EXTERNAL, "Switch '%s' on %s is %s; only external switches carry VFs."
                           % (self.name, host.name, record.get("switch_type")))
        if not record.get("enable_iov"):
            return _reason(SWITCH_IOV_DISABLED, "Switch '%s' on %s was created without SR-IOV."
                           % (self.name, host.name))
        if not host.iov_support:
            return _reason(HOST_IOV_UNSUPPORTED, "Host %s does not support SR-IOV%s" % (
                host.name, ": " + " ".join(host.iov_reasons) if host.iov_reasons else "."))
        if not record.get("iov_support"):
            reasons = [str(r) for r in record.get("iov_support_reasons") or []]
            return _reason(SWITCH_IOV_UNSUPPORTED, "Switch '%s' on %s cannot provide SR-IOV%s" % (
                self.name, host.name, ": " + " ".join(reasons) if reasons else "."))
        if self.nics and not any(nic.get("sriov_enabled") for nic in self.nics):
            return _reason(NIC_SRIOV_DISABLED, "SR-IOV is not in effect on %s behind switch '%s' on %s." % (
                ", ".join("'%s'" % nic.get("name") for nic in self.nics), self.name, host.name))
        if self.total <= 0:
            return _reason(NIC_NO_VIRTUAL_FUNCTIONS, "Switch '%s' on %s has no virtual functions (NumVFs 0)."
                           % (self.name, host.name))
        return None

    @property
    def free(self) -> int:
        return 0 if self.blocked else max(self.total - self.in_use, 0)

    def take(self, weight: int, label: str, record: t.Any) -> tuple[dict[str, t.Any], list[t.Any] | None]:
        """Give ``label`` a VF if the policy would: (outcome, pre-empted holder or None)."""
        if self.blocked:
            return {"outcome": SYNTHETIC, "reason": self.blocked, "preempts": None}, None
        if self.free > 0:
            self.in_use += 1
            self.holders.append([weight, label, record])
            return {"outcome": VF, "reason": None, "preempts": None}, None
        victim = self.lowest_holder()
        if victim is not None and victim[0] < weight:
            self.holders.remove(victim)
            self.holders.append([weight, label, record])
            return {"outcome": VF, "reason": None, "preempts": victim[1]}, victim
        held = ", ".join("%s (weight %d)" % (h[1], h[0]) for h in self.holders)
        return {"outcome": SYNTHETIC, "preempts": None, "reason": _reason(
            NO_VF_AVAILABLE,
            "All %d VFs of switch '%s' are in use%s, none with an IovWeight below %d." % (
                self.total, self.name, " by " + held if held else "", weight))}, None

    def lowest_holder(self) -> list[t.Any] | None:
        if not self.holders:
            return None
        lowest = min(h[0] for h in self.holders)
        # Among the lowest, the newest holder goes first: the emulator's first-come rule.
        return [h for h in self.holders if h[0] == lowest][-1]


class _Host:
    def __init__(self, name: str, record: t.Mapping[str, t.Any]) -> None:
        self.name = name
        self.record = record
        host = record.get("host") or {}
        self.computer_name = host.get("name")
        self.iov_support = bool(host.get("iov_support"))
        self.iov_reasons = [str(r) for r in host.get("iov_support_reasons") or []]
        self.adapters = [a for a in record.get("vm_adapters") or [] if not a.get("management_os")]
        self.switches = {name_key(str(s.get("name"))): _Switch(s, self) for s in record.get("switches") or []}
        for adapter in self.adapters:
            switch = self.switch(adapter.get("switch_name"))
            if adapter.get("sriov_active") and switch is not None:
                switch.holders.append([_weight(adapter), _label(adapter), None])

    def switch(self, name: t.Any) -> _Switch | None:
        return self.switches.get(name_key(str(name))) if name else None

    def vm_adapters(self, vm_name: str) -> list[t.Mapping[str, t.Any]]:
        return [a for a in self.adapters if name_key(str(a.get("vm_name"))) == name_key(vm_name)]


def _hosts_from(results: t.Any) -> tuple[list[_Host], list[dict[str, str]]]:
    if isinstance(results, t.Mapping):
        items = list(results.items())
    elif isinstance(results, (list, tuple)):
        items = [(str(((r or {}).get("host") or {}).get("name") or "host %d" % i), r) for i, r in enumerate(results)]
    else:
        raise HeadroomError(
            "vf_headroom expects host_info results: a mapping of host name to result, or a list of results; "
            "got %s." % type(results).__name__)
    hosts, unavailable = [], []
    for name, record in items:
        if not isinstance(record, t.Mapping):
            unavailable.append({"host": str(name), "reason": "no host_info result" if record is None
                                else "not a host_info result (got %s)" % type(record).__name__})
        elif record.get("failed") or record.get("unreachable") or record.get("skipped"):
            unavailable.append({"host": str(name), "reason": str(record.get("msg") or "host_info did not succeed")})
        elif not isinstance(record.get("switches"), list) or not isinstance(record.get("vm_adapters"), list):
            raise HeadroomError(
                "The result for host '%s' is not a host_info result (it has no 'switches' and 'vm_adapters' "
                "lists); register the result of sriov.hyperv.host_info and pass that." % name)
        else:
            hosts.append(_Host(str(name), record))
    return hosts, unavailable


def _migration_blocker(vm_adapters: t.Sequence[t.Mapping[str, t.Any]], target: _Host) -> dict[str, str] | None:
    missing = []
    for adapter in vm_adapters:
        name = adapter.get("switch_name")
        if adapter.get("connected") and name and target.switch(name) is None and name not in missing:
            missing.append(name)
    if not missing:
        return None
    return _reason(NO_SWITCH, "Host %s has no virtual switch named %s: live migration fails." % (
        target.name, ", ".join("'%s'" % m for m in missing)))


def _travelling_reason(adapter: t.Mapping[str, t.Any]) -> dict[str, str] | None:
    for reason in adapter.get("no_vf_reasons") or []:
        if reason.get("code") in _TRAVELLING_REASONS:
            return _reason(str(reason["code"]), str(reason.get("message") or reason["code"]))
    return None


def _move(adapter: t.Mapping[str, t.Any], target: _Host, record: t.Any = None) -> tuple[dict[str, t.Any], list[t.Any] | None]:
    """Outcome of ``adapter`` arriving on ``target`` (whose switch exists): takes a VF or not."""
    switch = target.switch(adapter.get("switch_name"))
    if switch is None:
        raise HeadroomError("Adapter '%s' has no switch on %s; check migration first." % (_label(adapter), target.name))
    reason = _travelling_reason(adapter)
    if reason is not None:
        return {"outcome": SYNTHETIC, "reason": reason, "preempts": None}, None
    return switch.take(_weight(adapter), _label(adapter), record)


def _host_summary(host: _Host) -> dict[str, t.Any]:
    switches = []
    for switch in host.switches.values():
        if not switch.record.get("enable_iov"):
            continue
        switches.append({
            "name": switch.name,
            "total": switch.total,
            "in_use": switch.in_use,
            "free": max(switch.total - switch.in_use, 0),
            "holders": [h[1] for h in switch.holders],
            "blocked": switch.blocked,
        })
    synthetic = [
        {
            "adapter": _label(a),
            "vm_name": a.get("vm_name"),
            "name": a.get("name"),
            "switch_name": a.get("switch_name"),
            "iov_weight": _weight(a),
            "vm_state": a.get("vm_state"),
            "reasons": [_reason(str(r.get("code")), str(r.get("message"))) for r in a.get("no_vf_reasons") or []],
        }
        for a in host.adapters if _asks_for_sriov(a) and not a.get("sriov_active")
    ]
    return {
        "name": host.name,
        "computer_name": host.computer_name,
        "iov_support": host.iov_support,
        "vfs": {
            "total": sum(s["total"] for s in switches),
            "in_use": sum(s["in_use"] for s in switches),
            "free": sum(s["free"] for s in switches),
        },
        "switches": switches,
        "synthetic": synthetic,
    }


def _migrations(hosts: t.Sequence[_Host]) -> list[dict[str, t.Any]]:
    rows = []
    for source in hosts:
        for adapter in source.adapters:
            if not (_asks_for_sriov(adapter) and _running(adapter) and adapter.get("connected")):
                continue
            targets = {}
            for target in hosts:
                if target is source:
                    continue
                blocker = _migration_blocker(source.vm_adapters(str(adapter.get("vm_name"))), target)
                if blocker is not None:
                    targets[target.name] = {"outcome": FAILS, "reason": blocker, "preempts": None}
                    continue
                # Each adapter alone, against the destination as it is now: undo what take() booked.
                switch = target.switch(adapter.get("switch_name"))
                saved = (switch.in_use, list(switch.holders))
                targets[target.name] = _move(adapter, target)[0]
                switch.in_use, switch.holders = saved
            rows.append({
                "host": source.name,
                "adapter": _label(adapter),
                "vm_name": adapter.get("vm_name"),
                "name": adapter.get("name"),
                "switch_name": adapter.get("switch_name"),
                "iov_weight": _weight(adapter),
                "has_vf": bool(adapter.get("sriov_active")),
                "targets": targets,
            })
    return rows


def _drain(drained: _Host, hosts: t.Sequence[_Host], raw: t.Mapping[str, t.Mapping[str, t.Any]]) -> dict[str, t.Any]:
    # A fresh copy of every other host, so one drain does not see another's placements.
    others = [_Host(h.name, raw[h.name]) for h in hosts if h is not drained]
    vms: dict[str, list[t.Mapping[str, t.Any]]] = {}
    for adapter in drained.adapters:
        if _asks_for_sriov(adapter) and _running(adapter) and adapter.get("connected"):
            vms.setdefault(str(adapter.get("vm_name")), []).append(adapter)
    order = sorted(vms, key=lambda vm: (
        -max(_weight(a) for a in vms[vm]),
        not any(a.get("sriov_active") for a in vms[vm]),
        name_key(vm),
    ))
    placements, displaced = [], []
    for vm in order:
        sriov = vms[vm]
        every = drained.vm_adapters(vm)
        candidates = [h for h in others if _migration_blocker(every, h) is None]
        if not candidates:
            reasons = [_migration_blocker(every, h) for h in others]
            reason = (_reason(NO_SWITCH, " ".join(r["message"] for r in reasons if r))
                      if others else _reason(NO_SWITCH, "No other host in the group to move to."))
            placements.append({"vm_name": vm, "to": None, "adapters": [
                {"adapter": _label(a), "switch_name": a.get("switch_name"), "iov_weight": _weight(a),
                 "has_vf": bool(a.get("sriov_active")), "outcome": FAILS, "reason": reason, "preempts": None}
                for a in sriov]})
            continue

        def free_for(host: _Host, adapters: t.Sequence[t.Mapping[str, t.Any]] = sriov) -> int:
            seen = {name_key(str(a.get("switch_name"))) for a in adapters}
            return sum(host.switches[key].free for key in seen if key in host.switches)

        target = max(candidates, key=lambda h: (free_for(h), -candidates.index(h)))
        rows = []
        for adapter in sriov:
            row = {"adapter": _label(adapter), "switch_name": adapter.get("switch_name"),
                   "iov_weight": _weight(adapter), "has_vf": bool(adapter.get("sriov_active"))}
            outcome, victim = _move(adapter, target, row)
            row.update(outcome)
            rows.append(row)
            if victim is not None:
                if victim[2] is not None:
                    # A VM placed earlier in this drain loses the VF it was given.
                    victim[2].update(outcome=SYNTHETIC, preempts=None, reason=_reason(
                        PREEMPTED, "Pre-empted on %s by %s (higher IovWeight %d)." % (
                            target.name, row["adapter"], row["iov_weight"])))
                else:
                    displaced.append({"host": target.name, "adapter": victim[1], "iov_weight": victim[0],
                                      "by": row["adapter"]})
        placements.append({"vm_name": vm, "to": target.name, "adapters": rows})
    adapters = [row for placement in placements for row in placement["adapters"]]
    count = {outcome: sum(1 for row in adapters if row["outcome"] == outcome) for outcome in (VF, SYNTHETIC, FAILS)}
    lose_vf = [row["adapter"] for row in adapters if row["has_vf"] and row["outcome"] != VF]
    return {
        "host": drained.name,
        "vms": len(placements),
        "adapters": len(adapters),
        "keep_vf": count[VF],
        "synthetic": count[SYNTHETIC],
        "fails": count[FAILS],
        "lose_vf": lose_vf,
        "falls_back": [row["adapter"] for row in adapters if row["outcome"] == SYNTHETIC],
        "failed": [row["adapter"] for row in adapters if row["outcome"] == FAILS],
        "displaced": displaced,
        "placements": placements,
        "n_plus_one": not lose_vf and not count[FAILS] and not displaced,
    }


def vf_headroom(results: t.Any) -> dict[str, t.Any]:
    """VF headroom of a group of hosts from their ``host_info`` results.

    ``results``: a mapping of host name (as the inventory names it) to the dict
    ``sriov.hyperv.host_info`` returned for it, or a list of such dicts (named by their
    ``host.name``). A result that failed or is missing is listed under ``unavailable`` and left
    out; anything that is not a host_info result raises ``HeadroomError``.

    Returns a dict: ``hosts`` (per host and IOV switch: VFs ``total``/``in_use``/``free``,
    ``holders``, ``blocked`` (why the switch gives no VF, or None); ``synthetic``: adapters asking
    for SR-IOV without a VF and host_info's reasons), ``migrations`` (per SR-IOV adapter of a
    running VM and per other host: ``outcome`` ``vf``/``synthetic``/``fails``, ``reason`` and the
    holder it ``preempts``), ``drains`` (per host drained, ``PLACEMENT_RULE``: counts, who falls
    back or fails, holders ``displaced`` on the destinations, ``n_plus_one``), ``n_plus_one`` for
    the group, ``placement_rule``, ``assumptions`` and ``unavailable``. Counts are VFs and adapters.
    """
    hosts, unavailable = _hosts_from(results)
    raw = {h.name: h.record for h in hosts}
    drains = [_drain(host, hosts, raw) for host in hosts]
    return {
        "hosts": [_host_summary(h) for h in hosts],
        "migrations": _migrations(hosts),
        "drains": drains,
        "n_plus_one": bool(hosts) and not unavailable and all(d["n_plus_one"] for d in drains),
        "placement_rule": PLACEMENT_RULE,
        "assumptions": list(ASSUMPTIONS),
        "unavailable": unavailable,
    }
