"""A host with 1,000 VM network adapters, read in one pipeline over the wire."""

from __future__ import annotations


import pytest
import yaml
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

ADAPTERS = 1000


def _scenario(path):
    document = {
        "hosts": [
            {
                "name": "big01",
                "physical_adapters": [{"name": "SLOT 1 Port 1", "num_vfs": 64, "max_vfs": 64}],
                "switches": [{"name": "sriov-ext", "net_adapters": ["SLOT 1 Port 1"], "enable_iov": True}],
                "vms": [
                    {
                        "name": "vm{n}",
                        "count": ADAPTERS // 2,
                        "adapters": [
                            {"name": "Network Adapter", "switch": "sriov-ext", "iov_weight": 50},
                            {"name": "Backup", "switch": "sriov-ext"},
                        ],
                    }
                ],
            }
        ]
    }
    path.write_text(yaml.safe_dump(document))
    return str(path)


@pytest.mark.parametrize("auth, tls", [("basic", True), ("ntlm", False)], ids=["https-basic", "http-ntlm-encrypted"])
def test_whole_host_read_of_1000_adapters(emulator_factory, tmp_path_factory, auth, tls):
    scenario = _scenario(tmp_path_factory.mktemp("scale") / "big.yml")
    ready = emulator_factory(scenario=scenario, auth=auth, tls=tls, fresh=True)
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost").add_statement()
        ps.add_cmdlet("Get-VM").add_statement()
        ps.add_cmdlet("Get-VMSwitch").add_statement()
        ps.add_cmdlet("Get-VMNetworkAdapter").add_parameter("All").add_statement()
        ps.add_cmdlet("Get-NetAdapterSriov")
        output = ps.invoke()
    assert not ps.had_errors and not ps.streams.error
    adapters = [obj for obj in output if obj.types[0] == "Microsoft.HyperV.PowerShell.VMNetworkAdapter"]
    assert len(adapters) == ADAPTERS
    names = {(obj.adapted_properties["VMName"], obj.adapted_properties["Name"]) for obj in adapters}
    assert len(names) == ADAPTERS
    assert ("vm500", "Backup") in names
    weights = sorted({obj.adapted_properties["IovWeight"] for obj in adapters})
    assert weights == [0, 50]
    assert len([obj for obj in output if obj.types[0] == "Microsoft.HyperV.PowerShell.VirtualMachine"]) == ADAPTERS // 2
