"""Environment for running Airflow from the checkout (CLI, Makefile, tests).

Airflow reads its configuration when first imported, so this must run before ``import airflow``.
Values already set in the environment win (docker-compose, CI and tests set their own).
"""

from __future__ import annotations

import os
from pathlib import Path

from tianyan import paths


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME") or paths.ROOT / ".airflow")


def airflow_defaults() -> dict[str, str]:
    home = airflow_home()
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(paths.DAGS_DIR),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(paths.ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__API__EXPOSE_CONFIG": "False",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(paths.ROOT), os.environ.get("PYTHONPATH")])),
    }


def apply() -> None:
    for k, v in airflow_defaults().items():
        os.environ.setdefault(k, v)
    airflow_home().mkdir(parents=True, exist_ok=True)
