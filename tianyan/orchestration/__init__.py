"""Airflow glue: the DAG factories generated from the registry, the task-failure notifier, Airflow's
connection lookup, and the two ways of running Airflow from a checkout (``inprocess``: ``tianyan run``;
``standalone``: ``make airflow-ui``). The only code that imports airflow; the rest of tianyan does not."""
