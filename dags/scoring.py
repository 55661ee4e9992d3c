"""Asset-triggered scoring of the supervision models (include/sql/models)."""
# Airflow DAG file (the words "airflow" and "dag" let the DAG processor's safe mode pick it up).

from tianyan.orchestration.scoring import build_scoring_dag

scoring = build_scoring_dag()
