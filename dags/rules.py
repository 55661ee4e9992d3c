"""What-if scoring and applying rule settings from a Param form (tianyan.orchestration.rules)."""
# Airflow DAG file (the words "airflow" and "dag" let the DAG processor's safe mode pick it up).

from tianyan.orchestration.rules import build_rules_dag

rules_whatif = build_rules_dag()
