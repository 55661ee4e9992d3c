"""Scoring: run the supervision models and keep the alerts."""
