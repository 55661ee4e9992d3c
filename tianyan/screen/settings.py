"""Screening service settings of include/config/screen.yaml (the one home of each)."""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from tianyan import paths
from tianyan.registry.feeds import load_settings_file

FILE_NAME = "screen.yaml"


class ScreenSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_items: int = Field(ge=1, le=100_000)
    default_rate_per_minute: int = Field(ge=1)
    key_cache_seconds: int = Field(ge=0)
    pool_size: int = Field(ge=1, le=64)


@cache
def load_settings() -> ScreenSettings:
    path = paths.CONFIG_DIR / FILE_NAME
    return load_settings_file(path, ScreenSettings, "screening")
