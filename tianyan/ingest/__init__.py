"""Ingestion: land -> read -> normalise -> validate -> quarantine / load."""
