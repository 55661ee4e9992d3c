"""tianyan: supervision pipelines."""
