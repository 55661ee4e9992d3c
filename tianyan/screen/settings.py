"""Screening service settings of include/config/screen.yaml (the one home of each)."""

from __future__ import annotations

from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tianyan import paths
from tianyan.registry.feeds import RegistryError, _pydantic_message

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
    try:
        return ScreenSettings(**(yaml.safe_load(path.read_text(encoding="utf-8")) or {}))
    except FileNotFoundError:
        raise RegistryError(f"{path}: missing (the screening settings ship with the repository)") from None
    except ValidationError as exc:
        raise RegistryError(f"{path}: {_pydantic_message(exc)}") from None
    except (TypeError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: {exc}") from None
