"""The fault book: what fires, how often, and what a failing cmdlet reports."""

from __future__ import annotations

import threading

import pytest

from hyperv_sriov_emulator.faults import FaultBook, FaultError


def test_cmdlet_fault_fires_count_times_case_insensitively():
    book = FaultBook()
    book.arm_cmdlet("New-VMSwitch", count=2)
    assert book.take_cmdlet_fault("Get-VMSwitch") is None
    assert book.take_cmdlet_fault("new-vmswitch") is not None
    assert book.take_cmdlet_fault("New-VMSwitch") is not None
    assert book.take_cmdlet_fault("New-VMSwitch") is None
    assert book.fired == ["cmdlet:New-VMSwitch", "cmdlet:New-VMSwitch"]


def test_cmdlet_fault_skip_lets_the_first_calls_through():
    book = FaultBook()
    book.arm_cmdlet("New-VMSwitch", count=1, skip=1)
    assert book.take_cmdlet_fault("New-VMSwitch") is None
    assert book.take_cmdlet_fault("New-VMSwitch") is not None
    assert book.take_cmdlet_fault("New-VMSwitch") is None
    assert book.fired == ["cmdlet:New-VMSwitch"]
    with pytest.raises(FaultError, match="--skip"):
        book.arm_cmdlet("New-VMSwitch", skip=-1)


def test_cmdlet_fault_error_looks_like_a_cmdlet_error():
    book = FaultBook()
    fault = book.arm_cmdlet("Set-VMNetworkAdapter", message="Insufficient resources", category="ResourceUnavailable",
                            terminating=True)
    error = fault.error()
    assert error.message == "Insufficient resources"
    assert error.category == "ResourceUnavailable"
    assert error.fqid == "InjectedFault,Microsoft.HyperV.PowerShell.Commands.SetVMNetworkAdapter"
    assert error.command == "Set-VMNetworkAdapter"
    assert fault.terminating


def test_drop_at_request_counts_from_arming():
    book = FaultBook()
    book.arm_drop_at_request(3)
    assert [book.take_request()[0] for dummy in range(5)] == [False, False, True, False, False]


def test_drop_on_cmdlet_is_one_shot():
    book = FaultBook()
    book.arm_drop_on_cmdlet("Remove-VMSwitch")
    assert not book.take_drop_on_cmdlet("New-VMSwitch")
    assert book.take_drop_on_cmdlet("remove-vmswitch")
    assert not book.take_drop_on_cmdlet("Remove-VMSwitch")


def test_delay_with_count_expires_and_without_count_stays():
    book = FaultBook()
    book.arm_delay(250, count=2)
    assert [book.take_request()[1] for dummy in range(3)] == [0.25, 0.25, 0.0]
    book.arm_delay(10)
    assert [book.take_request()[1] for dummy in range(3)] == [0.01, 0.01, 0.01]
    book.clear()
    assert book.take_request() == (False, 0.0)
    assert book.describe() == []


def test_describe_lists_what_is_armed():
    book = FaultBook()
    book.arm_cmdlet("New-VMSwitch", count=3)
    book.arm_drop_on_cmdlet("Remove-VMSwitch")
    kinds = [entry["kind"] for entry in book.describe()]
    assert kinds == ["cmdlet", "drop-on-cmdlet"]
    assert book.describe()[0]["remaining"] == 3


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "cmdlet", "cmdlet": "New-VMSwitch", "count": 0},
        {"kind": "cmdlet", "cmdlet": "Get-VMSwitch; rm -rf /"},
        {"kind": "drop-at-request", "request": 0},
        {"kind": "delay", "delay_ms": -1},
        {"kind": "delay", "delay_ms": "soon"},
        {"kind": "explode"},
    ],
)
def test_invalid_requests_are_refused(spec):
    with pytest.raises(FaultError):
        FaultBook().apply(spec)


def test_concurrent_takers_never_exceed_the_count():
    book = FaultBook()
    book.arm_cmdlet("New-VMSwitch", count=50)
    hits = []

    def worker():
        for dummy in range(40):
            if book.take_cmdlet_fault("New-VMSwitch") is not None:
                hits.append(1)

    threads = [threading.Thread(target=worker) for dummy in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(hits) == 50
