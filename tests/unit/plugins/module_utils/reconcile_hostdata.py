# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hand-built host read results for the planner's table-driven tests.

The objects carry the type and property names a host sends (as plain data), so the tests go
through the real parser: a host is described in a few lines and parsed like a real read.
"""

from __future__ import annotations

import copy
import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import Observed, parse_observed
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import PSObjectData

HV = "Microsoft.HyperV.PowerShell."
CIM = "Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/"


def host(**kw: t.Any) -> PSObjectData:
    return PSObjectData([HV + "VMHost"], {"Name": "HV1", "IovSupport": kw.get("iov", True),
                                          "IovSupportReasons": kw.get("reasons")})


def vm(name: str, state: str = "Running") -> PSObjectData:
    return PSObjectData([HV + "VirtualMachine"], {"Name": name, "Id": "id-" + name, "State": state, "Generation": 2})


def nic(name: str, description: str | None = None, support: str | None = "Supported", enabled: bool = True,
        num_vfs: int = 8, configured_enabled: bool | None = None, configured_vfs: int | None = None,
        max_vfs: int = 64) -> list[PSObjectData]:
    description = description or name + " adapter"
    objects = [PSObjectData([CIM + "MSFT_NetAdapter"], {"Name": name, "InterfaceDescription": description})]
    if support is None:
        return objects
    objects.append(PSObjectData([CIM + "MSFT_NetAdapterSriovSettingData"], {
        "Name": name, "InterfaceDescription": description, "SriovSupport": support, "Enabled": enabled,
        "NumVFs": num_vfs, "NumAllocatedVFs": 0}))
    objects.append(PSObjectData([CIM + "MSFT_NetAdapterAdvancedPropertySettingData"], {
        "Name": name, "RegistryKeyword": "*SRIOV",
        "RegistryValue": ["1" if (enabled if configured_enabled is None else configured_enabled) else "0"],
        "DefaultRegistryValue": "1"}))
    objects.append(PSObjectData([CIM + "MSFT_NetAdapterAdvancedPropertySettingData"], {
        "Name": name, "RegistryKeyword": "*NumVFs",
        "RegistryValue": [str(num_vfs if configured_vfs is None else configured_vfs)],
        "DefaultRegistryValue": "32", "NumericParameterMaxValue": max_vfs}))
    return objects


def switch(name: str, kind: str = "External", nics: t.Sequence[str] = (), iov: bool = False, mode: str | None = None,
           teaming: bool = False, packet_direct: bool = False, notes: str = "", management: bool = False,
           vf_count: int | None = None, version: str = "2022", default_flow: int = 0,
           shown: dict | None = None) -> PSObjectData:
    props: dict[str, t.Any] = {
        "Name": name, "Id": "sw-" + name, "Notes": notes,
        "BandwidthReservationMode": mode or ("None" if iov else ("Weight" if version == "2012r2" else "Absolute")),
    }
    if version != "2012r2":
        props["PacketDirectEnabled"] = packet_direct
        props["EmbeddedTeamingEnabled"] = teaming
        props.update({"DefaultQueueVrssEnabledRequested": True, "DefaultQueueVmmqEnabledRequested": True,
                      "DefaultQueueVrssMaxQueuePairsRequested": 16})
    if version not in ("2012r2", "2016"):
        props["SoftwareRscEnabled"] = True
    props.update({"DefaultFlowMinimumBandwidthAbsolute": default_flow if props["BandwidthReservationMode"] == "Absolute" else 0,
                  "DefaultFlowMinimumBandwidthWeight": default_flow if props["BandwidthReservationMode"] == "Weight" else 0})
    props.update({
        "IovEnabled": iov, "SwitchType": kind, "AllowManagementOS": management,
        "NetAdapterInterfaceDescriptions": [n + " adapter" for n in nics] if kind == "External" else None,
        "IovSupport": bool(nics), "IovSupportReasons": None,
        "IovVirtualFunctionCount": vf_count if vf_count is not None else (8 * len(nics) if iov else 0),
        "IovVirtualFunctionsInUse": 0,
    })
    props.update(shown or {})
    return PSObjectData([HV + "VMSwitch"], props)


def team(name: str, nics: t.Sequence[str]) -> PSObjectData:
    return PSObjectData([HV + "VMSwitchTeam"], {"Name": name, "NetAdapterInterfaceDescription": [n + " adapter" for n in nics]})


def adapter(name: str, vm_name: str | None = None, switch_name: str | None = None, version: str = "2022",
            iov_usage: int = 0, **settings: t.Any) -> PSObjectData:
    management = vm_name is None
    props: dict[str, t.Any] = {}
    if not management:
        props.update({"IovWeight": settings.get("IovWeight", 0),
                      "IovQueuePairsRequested": settings.get("IovQueuePairsRequested", 1),
                      "IovInterruptModeration": settings.get("IovInterruptModeration", "Default"),
                      "IovUsage": iov_usage, "IovQueuePairsAssigned": 0, "VirtualFunction": None})
    props.update({"VMQWeight": settings.get("VMQWeight", 100), "IPsecOffloadMaxSA": settings.get("IPsecOffloadMaxSA", 512)})
    if version != "2012r2":
        props.update({
            "VrssEnabledRequested": settings.get("VrssEnabledRequested", True), "VrssEnabled": True,
            "VmmqEnabledRequested": settings.get("VmmqEnabledRequested", True), "VmmqEnabled": True,
            "VrssMaxQueuePairsRequested": settings.get("VrssMaxQueuePairsRequested", 16), "VrssMaxQueuePairs": 4,
        })
    if version not in ("2012r2", "2016"):
        props.update({
            "VrssMinQueuePairsRequested": settings.get("VrssMinQueuePairsRequested", 1),
            "VrssQueueSchedulingModeRequested": settings.get("VrssQueueSchedulingModeRequested", "StaticVrss"),
            "VrssExcludePrimaryProcessorRequested": settings.get("VrssExcludePrimaryProcessorRequested", False),
            "VrssIndependentHostSpreadingRequested": settings.get("VrssIndependentHostSpreadingRequested", False),
            "VrssVmbusChannelAffinityPolicyRequested": settings.get("VrssVmbusChannelAffinityPolicyRequested", "Strong"),
        })
    if version not in ("2012r2", "2016", "2019") and not management:
        props["RscEnabledRequested"] = settings.get("RscEnabledRequested", True)
    props.update({"AllowTeaming": settings.get("AllowTeaming", "Off"), "SwitchName": switch_name,
                  "IsManagementOs": management, "Name": name, "VMName": vm_name, "MacAddress": "00155D000001"})
    kind = "VMInternalNetworkAdapter" if management else "VMNetworkAdapter"
    return PSObjectData([HV + kind, HV + "VMNetworkAdapterBase"], props)


def observed(*groups: t.Any) -> Observed:
    objects: list[PSObjectData] = []
    for group in groups:
        objects.extend(group if isinstance(group, list) else [group])
    if not any(obj.is_a(HV + "VMHost") for obj in objects):
        objects.insert(0, host())
    return parse_observed(copy.deepcopy(objects))


def basic_host(version: str = "2022", vm_state: str = "Running") -> Observed:
    """Two SR-IOV NICs, an IOV switch on the first with a host vNIC, two VMs, an internal switch."""
    return observed(
        nic("NIC1"), nic("NIC2"), nic("NIC3", support="MissingAcs"), nic("NIC4", support=None),
        switch("sriov", nics=["NIC1"], iov=True, management=True, version=version),
        switch("int", kind="Internal", management=True, version=version),
        vm("web01", vm_state), vm("db01", vm_state),
        adapter("Network Adapter", "web01", "sriov", version=version, IovWeight=50),
        adapter("Network Adapter", "db01", "sriov", version=version),
        adapter("sriov", None, "sriov", version=version),
        adapter("int", None, "int", version=version),
    )
