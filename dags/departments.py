"""One DAG per department (dept_<department>), generated from include/spec/feeds.yaml."""
# Airflow DAG file (the words "airflow" and "dag" let the DAG processor's safe mode pick it up).

from tianyan.orchestration.departments import build_all

globals().update(build_all())
