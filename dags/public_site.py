"""The public disclosure site (码上监督), published after the daily loads."""
# Airflow DAG file (the words "airflow" and "dag" let the DAG processor's safe mode pick it up).

from tianyan.orchestration.public import build_public_dag

public_site = build_public_dag()
