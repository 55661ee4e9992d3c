"""`make airflow-ui`: Airflow standalone from the checkout, login admin / admin.

SimpleAuthManager keeps passwords in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated and
keeps entries already there, so writing it first fixes the local password (never used elsewhere).
"""

from __future__ import annotations

import json
import os
import sys

from tianyan import localenv
from tianyan.warehouse.conn import warehouse_url


def main() -> None:
    localenv.apply()
    os.environ.setdefault("AIRFLOW_CONN_WAREHOUSE", warehouse_url())
    pw_file = localenv.airflow_home() / "simple_auth_manager_passwords.json.generated"
    pw_file.write_text(json.dumps({"admin": "admin"}))
    os.execvp("airflow", ["airflow", "standalone", *sys.argv[1:]])


if __name__ == "__main__":
    main()
