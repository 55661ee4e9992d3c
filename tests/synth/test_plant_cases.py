"""The planted cases are listed, not discovered: every ``plant_*`` function of a case module is in its
``CASES`` exactly once, so a case written and not listed fails here instead of silently not being planted."""

from __future__ import annotations

import inspect

import pytest

from tianyan.synth import plant_money, plant_people, plant_procurement


@pytest.mark.parametrize("module", [plant_people, plant_money, plant_procurement], ids=lambda m: m.__name__)
def test_every_case_function_is_listed_once(module):
    defined = {name for name, fn in inspect.getmembers(module, inspect.isfunction)
               if name.startswith("plant_") and fn.__module__ == module.__name__}
    listed = [case.__name__ for case in module.CASES]
    assert len(listed) == len(set(listed)), "a case is listed twice"
    assert set(listed) == defined
