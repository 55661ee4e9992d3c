"""Settings of include/config/public.yaml (docs/configuration.md lists every key)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tianyan import paths
from tianyan.registry.feeds import RegistryError, load_settings_file

FILE_NAME = "public.yaml"
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(value: str) -> int:
    m = _DURATION.match(str(value).strip())
    if not m:
        raise ValueError(f"{value!r} is not a duration such as 90s, 10m, 1h")
    return int(m.group(1)) * _UNIT_SECONDS[m.group(2)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IntakeSettings(_Strict):
    port: int = Field(ge=1, le=65535)
    drop: str | None
    state_dir: str
    rate_limit: int = Field(ge=1)
    rate_window: str
    max_body_bytes: int = Field(ge=256)
    max_text_chars: int = Field(ge=10)
    max_contact_chars: int = Field(ge=0)
    categories: list[str] = Field(min_length=1)

    @field_validator("rate_window")
    @classmethod
    def _duration(cls, v: str) -> str:
        seconds(v)
        return v

    @property
    def window_seconds(self) -> int:
        return seconds(self.rate_window)

    def drop_path(self) -> Path:
        drop = self.drop or os.environ.get("TIANYAN_DROP")
        if not drop:
            raise RegistryError(f"{paths.CONFIG_DIR / FILE_NAME}: intake.drop is null and $TIANYAN_DROP is not set "
                                "(the exchange drop the complaints are delivered into)")
        return Path(drop)

    def state_path(self) -> Path:
        return _under_root(self.state_dir)


class PublicSettings(_Strict):
    base_url: str
    intake_url: str
    site_dir: str
    benefit_months: int = Field(ge=1, le=36)
    ledger_months: int = Field(ge=1, le=60)
    complaint_days: int = Field(ge=1)
    poster_font: str | None
    intake: IntakeSettings

    @field_validator("base_url", "intake_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", v):
            raise ValueError(f"{v!r} is not an http(s) URL without query")
        return v.rstrip("/")

    def site_path(self) -> Path:
        return _under_root(self.site_dir)

    def page_url(self, page_kind: str, code: str) -> str:
        """The page's stable public address (what its QR code encodes)."""
        return f"{self.base_url}/{page_path(page_kind, code)}"


def page_path(page_kind: str, code: str) -> str:
    return f"{'v' if page_kind == 'village' else 'u'}/{code}/"


def _under_root(value: str) -> Path:
    p = Path(value)
    if p.is_absolute():
        return p
    if p.parts and p.parts[0] == ".tianyan":  # the state folder (TIANYAN_STATE_DIR moves it)
        return paths.STATE_DIR.joinpath(*p.parts[1:])
    return paths.ROOT / p


def load_settings(path: Path | None = None) -> PublicSettings:
    path = path or paths.CONFIG_DIR / FILE_NAME
    return load_settings_file(path, PublicSettings, "public site")
