"""Reason strings: the platform's IovSupportReasons (verbatim from KB 2762297), the NIC-level
SR-IOV support reasons, and the project's own texts for why an adapter has no virtual function."""

from __future__ import annotations

# Short scenario keys for the KB 2762297 strings, so a scenario can say `reasons: [bios_osc]`.
PLATFORM_REASONS: dict[str, str] = {
    "no_slat": (
        "SR-IOV cannot be used on this computer because the processor does not support second "
        "level address translation (SLAT). For Intel processors, this feature might be referred "
        "to as Extended Page Tables (EPT). For AMD processors, this feature might be referred to "
        "as Rapid Virtualization Indexing (RVI) or Nested Page Tables (NPT)."
    ),
    "no_interrupt_remapping": (
        "The chipset on the system does not do interrupt remapping, without which SR-IOV cannot "
        "be supported."
    ),
    "no_dma_remapping": (
        "The chipset on the system does not do DMA remapping, without which SR-IOV cannot be "
        "supported."
    ),
    "io_remapping_disabled": (
        "SR-IOV cannot be used on this system as it has been configured to disable the use of "
        "I/O remapping hardware."
    ),
    "bios_iov_disabled": (
        "Ensure that the system has chipset support for SR-IOV and that I/O virtualization is "
        "enabled in the BIOS."
    ),
    "bios_incorrect_info": (
        "To use SR-IOV on this computer, the BIOS must be updated because it contains incorrect "
        "information describing the hardware capabilities. Contact your computer manufacturer "
        "for an update."
    ),
    "no_pcie_bus": (
        "SR-IOV cannot be used on this system as it is reporting that there is no PCI Express "
        "Bus. Contact your system manufacturer for further information."
    ),
    "bios_osc": (
        "To use SR-IOV on this system, the system BIOS must be updated to allow Windows to "
        "control PCI Express. Contact your system manufacturer for an update."
    ),
    "no_acs": (
        "SR-IOV cannot be used on this system as the PCI Express hardware does not support "
        "Access Control Services (ACS) at any root port. Contact your system vendor for further "
        "information."
    ),
}

# What a switch bound to a NIC reports, by the NIC's SriovSupport value (Get-NetAdapterSriov
# help wording; whether VMSwitch.IovSupportReasons reuses it is UNCONFIRMED).
NIC_REASONS: dict[str, str] = {
    "Unknown": "This network adapter does not support SR-IOV.",
    "MissingAcs": (
        "SR-IOV cannot be used on this network adapter as the PCI Express hardware does not "
        "support Access Control Services (ACS). This device may work in an alternate PCI Express "
        "slot. Contact your hardware vendor for further information."
    ),
    "MissingPfDriver": (
        "SR-IOV cannot be used on this network adapter as the device or device driver does not "
        "support SR-IOV. If the network adapter supports SR-IOV, contact the hardware vendor for "
        "an updated driver."
    ),
    "NoBusResources": (
        "SR-IOV cannot be used on this network adapter as there are not enough PCI Express bus "
        "numbers available."
    ),
    "NoVfBarSpace": (
        "SR-IOV cannot be used on this network adapter as there are not enough PCI Express BAR "
        "resources available."
    ),
    "NoOscSupport": (
        "To use SR-IOV on this computer, the computer BIOS must be updated to allow Windows "
        "Server 2012 and later to control PCI Express using _OSC HandOff."
    ),
    "NoIoMmuSupport": (
        "SR-IOV cannot be used on this network adapter as the system does not support I/O "
        "remapping hardware."
    ),
    # A NIC whose driver exposes no SR-IOV at all (no MSFT_NetAdapterSriovSettingData).
    None: "This network adapter does not support SR-IOV.",
}

# Why an adapter has no virtual function: the project's own wording (the real StatusDescription
# texts are UNCONFIRMED). The keys are stable codes; the order is the order they are checked in.
NO_VF_REASONS: dict[str, str] = {
    "VmNotRunning": "The virtual machine is not running.",
    "IovWeightZero": "SR-IOV is not requested on this network adapter (IovWeight is 0).",
    "LegacyAdapter": "A legacy network adapter cannot use SR-IOV.",
    "NotConnected": "The network adapter is not connected to a virtual switch.",
    "SwitchNotExternal": "The virtual switch is not bound to a physical network adapter.",
    "SwitchIovDisabled": "SR-IOV is not enabled on the virtual switch.",
    "HostIovUnsupported": "The host does not support SR-IOV (see Get-VMHost IovSupportReasons).",
    "NicSriovUnsupported": "The physical network adapter does not support SR-IOV.",
    "NicSriovDisabled": "SR-IOV is not enabled on the physical network adapter.",
    "NicNoVirtualFunctions": "The physical network adapter exposes no virtual functions.",
    "GuestUnsupported": "The guest operating system does not support SR-IOV.",
    "NoVirtualFunctionAvailable": (
        "No virtual function is free on the physical network adapter; adapters with a higher "
        "IovWeight, or with the same weight that asked earlier, hold them."
    ),
}

# Reasons that leave SR-IOV requested (IovWeight > 0, IOV-enabled switch) and the VM running,
# so Status turns Degraded.
DEGRADING = frozenset(
    {"HostIovUnsupported", "NicSriovUnsupported", "NicSriovDisabled", "NicNoVirtualFunctions",
     "GuestUnsupported", "NoVirtualFunctionAvailable"}
)
