"""The panorama tests use the lifecycle tests' small city (tests/alerts/lifecycle_city.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "alerts"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))
