import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hyperv_sriov_emulator.scenario import load_scenario  # noqa: E402


@pytest.fixture
def capable():
    return load_scenario("capable")[0]


@pytest.fixture
def shortage():
    return load_scenario("vf-shortage")[0]


@pytest.fixture
def ws2016():
    return load_scenario("ws2016")[0]


@pytest.fixture
def bios():
    return load_scenario("bios-blocked")[0]
