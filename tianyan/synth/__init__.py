"""Synthetic city generator: deterministic deliveries of all 47 feeds with planted cases.

Public API: ``generate(drop, residents, seed, as_of, days=1) -> manifest dict``."""

from tianyan.synth.generate import generate

__all__ = ["generate"]
