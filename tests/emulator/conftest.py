import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from emulator_helpers import serving  # noqa: E402

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


@pytest.fixture(scope="module")
def capable_served(tmp_path_factory):
    """The capable scenario served on real sockets, once per test module: its ready-file data."""
    with serving([load_scenario("capable")[0]], tmp_path_factory.mktemp("capable")) as ready:
        yield ready
