"""Airflow glue: DAGs generated from the registry. Imports airflow; the rest of tianyan does not."""
