"""One DAG per department (dept_<department>), generated from include/spec/feeds.yaml."""
# Airflow DAG file (the words "airflow" and "dag" let the DAG processor's safe mode pick it up).

from airflow.sdk import get_parsing_context

from tianyan.orchestration.departments import build_all

# A task process parses this file for one DAG only: build just that one (the DAG processor builds all).
globals().update(build_all(only=get_parsing_context().dag_id))
