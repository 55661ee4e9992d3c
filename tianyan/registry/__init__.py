"""Declarative registry: the spec's feeds and models loaded into typed, validated classes."""

from tianyan.registry.feeds import ColumnSpec, Delivery, FeedSpec, RegistryError, load_departments, load_feeds

__all__ = ["ColumnSpec", "Delivery", "FeedSpec", "RegistryError", "load_departments", "load_feeds"]
