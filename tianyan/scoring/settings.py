"""Scoring settings of include/config/scoring.yaml (the one home of each; docs/configuration.md).

Every key is required: the file is the default, so no value is repeated in Python."""

from __future__ import annotations

from decimal import Decimal
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tianyan import paths
from tianyan.registry.feeds import Delivery, load_settings_file

FILE_NAME = "scoring.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LifecycleSettings(_Strict):
    overdue_days: int = Field(ge=1)
    min_confirmed_share: float = Field(ge=0, le=1)
    min_decided: int = Field(ge=1)


class RiskWeights(_Strict):
    # Decimal: the marts compute in numeric, so a weight such as 0.1 stays exact.
    high: Decimal
    medium: Decimal
    low: Decimal
    complaint: Decimal
    overdue_finding: Decimal

    def binds(self) -> dict[str, Decimal]:
        """The weights as the risk-index marts bind them."""
        return {"w_high": self.high, "w_medium": self.medium, "w_low": self.low,
                "w_complaint": self.complaint, "w_finding": self.overdue_finding}


class FeedHealthSettings(_Strict):
    expected_days: dict[str, int]

    @model_validator(mode="after")
    def _every_cadence(self) -> FeedHealthSettings:
        cadences = set(get_args(Delivery.model_fields["cadence"].annotation))
        if set(self.expected_days) != cadences:
            raise ValueError(f"expected_days needs exactly the cadences {sorted(cadences)}, "
                             f"got {sorted(self.expected_days)}")
        return self


class ScoringSettings(_Strict):
    schedule: str
    lifecycle: LifecycleSettings
    risk_index: RiskWeights
    feed_health: FeedHealthSettings


def load_settings() -> ScoringSettings:
    path = paths.CONFIG_DIR / FILE_NAME
    return load_settings_file(path, ScoringSettings, "scoring")
