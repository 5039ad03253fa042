# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which network adapter an item means: the one place that says it.

Private to the collection. Pure: no I/O. An adapter is identified by its VM's name and its own
name (a host vNIC: the management OS and its name), compared as Hyper-V compares names, and
narrowed by its MAC address where the name is not unique. Hyper-V names every adapter "Network
Adapter" unless told otherwise, so two adapters of one VM often share a name; never by position.

Parsing (the gathered ``mac_address``), planning (which adapter a task entry means, and the
refusal when it cannot tell), recreates (the adapters to reconnect) and messages all use this.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing as t

_SEPARATED_MAC = re.compile(r"^[0-9A-Fa-f]{2}([-:]?)(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$")


def normalize_mac(value: t.Any) -> str:
    """A MAC address as Hyper-V writes it (``00155D0A0B0C``), from that form, ``00-15-5D-0A-0B-0C``
    or ``00:15:5d:0a:0b:0c``. Raises ValueError naming the accepted forms."""
    text = str(value).strip()
    if not _SEPARATED_MAC.match(text):
        raise ValueError(
            "%r is not a MAC address. Give 12 hexadecimal digits, as 00155D0A0B0C, 00-15-5D-0A-0B-0C or "
            "00:15:5d:0a:0b:0c." % (value,))
    return re.sub(r"[-:]", "", text).upper()


@functools.lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """A name as Hyper-V compares it: case-insensitively, one character at a time."""
    # str.upper() turns some characters into two ("ß" -> "SS"); .NET's ordinal ignore-case
    # comparison does not, so keep those characters as they are. No ASCII character becomes two,
    # so an ASCII name (nearly all) needs no look at each character.
    if name.isascii():
        return name.upper()
    return "".join(char.upper() if len(char.upper()) == 1 else char for char in name)


# dict first: the common case, told without the Mapping ABC's subclass hooks.
_MAPPINGS = (dict, t.Mapping)


def _get(item: t.Any, field: str) -> t.Any:
    if isinstance(item, _MAPPINGS):
        return item.get(field)
    return getattr(item, field, None)


@dataclasses.dataclass(frozen=True)
class AdapterIdentity:
    """VM + name (or the management OS + name), narrowed by ``mac_address`` when it is set."""

    name: str
    vm_name: t.Optional[str] = None
    management_os: bool = False
    mac_address: t.Optional[str] = None
    """Normalized (``00155D0A0B0C``); None when the name alone identifies the adapter."""

    @classmethod
    def of(cls, item: t.Any) -> "AdapterIdentity":
        """The identity of a config item (dict or model), an observed adapter, or a recreate record."""
        vm_name = _get(item, "vm_name")
        management_os = bool(_get(item, "management_os")) and not vm_name
        mac = _get(item, "mac_address")
        return cls(
            name=str(_get(item, "name") or ""),
            vm_name=None if management_os else vm_name,
            management_os=management_os,
            mac_address=normalize_mac(mac) if mac else None,
        )

    @classmethod
    def management_os_adapter(cls, name: str) -> "AdapterIdentity":
        """The management OS's adapter (host vNIC) ``name``."""
        return cls(name=name, management_os=True)

    def name_key(self) -> tuple:
        """VM and name as Hyper-V compares them, without the MAC address."""
        if self.management_os:
            return ("management_os", name_key(self.name))
        return ("vm", name_key(self.vm_name or ""), name_key(self.name))

    def key(self) -> tuple:
        """The whole identity: ``name_key()``, plus the MAC address when narrowed by one."""
        return self.name_key() + ((self.mac_address,) if self.mac_address else ())

    def record_key(self) -> str:
        """``key()`` as one text (``vm/WEB01/NETWORK ADAPTER``), for records kept as JSON objects."""
        return "/".join(str(part) for part in self.key())

    def narrowed(self, mac_address: t.Optional[str]) -> "AdapterIdentity":
        return dataclasses.replace(self, mac_address=normalize_mac(mac_address) if mac_address else None)

    def label(self) -> str:
        """How messages name the adapter: ``adapter 'Network Adapter' (MAC 00155D0A0B0C) of VM 'web01'``."""
        mac = " (MAC %s)" % self.mac_address if self.mac_address else ""
        if self.management_os:
            return "management-OS adapter '%s'%s" % (self.name, mac)
        return "adapter '%s'%s of VM '%s'" % (self.name, mac, self.vm_name)

    def fields(self) -> dict[str, t.Any]:
        """The identity as config/record fields: vm_name or management_os, name, mac_address if set."""
        fields: dict[str, t.Any] = {"management_os": True} if self.management_os else {"vm_name": self.vm_name}
        fields["name"] = self.name
        if self.mac_address:
            fields["mac_address"] = self.mac_address
        return fields

    def matches(self, item: t.Any) -> bool:
        """Whether ``item`` (anything ``of`` reads) is this adapter: same VM and name, and the same
        MAC address when this identity names one (an item without a MAC is not excluded by it)."""
        other = AdapterIdentity.of(item)
        if other.name_key() != self.name_key():
            return False
        if self.mac_address is None:
            return True
        return other.mac_address is None or other.mac_address == self.mac_address


# A dynamic MAC address is assigned when its VM first starts; until then Get-VMNetworkAdapter shows
# 000000000000, which public tooling reads as "none assigned" (taliesins/terraform-provider-hyperv,
# api/vm_network_adapter.go; ananace/foreman_hyperv issue 2 starts a new VM once to get its MACs).
# Two adapters of a VM never started, both named "Network Adapter", share name and MAC address.
UNASSIGNED_MAC = "000000000000"


def apart_remedy(mac_address: t.Optional[str]) -> str:
    """How to tell apart adapters of one VM that share a name and ``mac_address`` (normalized, or
    None): no task entry can mean just one of them until the host shows a difference."""
    remedy = "rename one on the host (Rename-VMNetworkAdapter)"
    if mac_address == UNASSIGNED_MAC:
        remedy += ", or start the VM once, which gives each adapter its own dynamic MAC address"
    return remedy


def some_labels(labels: t.Sequence[str], limit: int, where_all: str) -> str:
    """``labels`` joined; past ``limit`` of them, the first ``limit``, a count of the rest and
    ``where_all`` (where the whole list is). A message about a VF-starved switch of a big host
    would otherwise name hundreds of adapters."""
    if len(labels) <= limit:
        return ", ".join(labels)
    return "%s and %d more (%s)" % (", ".join(labels[:limit]), len(labels) - limit, where_all)
