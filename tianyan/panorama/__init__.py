"""Supervision panorama (city, district, unit pages with Altair charts) and the rule-tuning pages."""
