"""One small synthetic city per test session (generation takes a second or two)."""

from __future__ import annotations

import pytest
from synth_testlib import AS_OF, RESIDENTS, SEED

from tianyan.synth import generate


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    drop = tmp_path_factory.mktemp("drop")
    manifest = generate(drop, residents=RESIDENTS, seed=SEED, as_of=AS_OF)
    return drop, manifest
