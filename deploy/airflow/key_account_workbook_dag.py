"""Airflow DAG example: run the Key Account Workbook every weekday and publish the portal.

Copy this file into the Airflow ``dags/`` folder and set the Airflow Variable
``workbook_home`` to the project folder (the one holding ``params/workbook.yaml`` and
``.venv``). The task calls the same command as cron and systemd, with ``as_of`` set to the
end of the DAG's data interval, so a backfill rebuilds the reports of earlier dates.

Exit codes of ``workbook run``: 0 all reports ok; 1 some notebook failed (the task fails,
the portal keeps that notebook's last good report); 2 configuration error or another run
holds the lock. Airflow retries once; ``max_active_runs=1`` avoids overlapping runs, and the
workbook's own lock guards against runs started elsewhere. Logs: the task log, and
``reports/<run-id>/run.log`` in the project.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG

try:  # Airflow 3 moved the operator into the standard provider
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

DAG_ID = "key_account_workbook"
COMMAND = (
    'cd "{{ var.value.get(\'workbook_home\', \'/srv/key-account-workbook\') }}" && '
    ".venv/bin/workbook run --as-of {{ data_interval_end | ds }}"
)

with DAG(
    dag_id=DAG_ID,
    description="Key Account Workbook reports and portal",
    schedule="0 6 * * 1-5",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=15)},
    tags=["marketing", "reports"],
) as dag:
    run_workbook = BashOperator(
        task_id="workbook_run",
        bash_command=COMMAND,
        execution_timeout=timedelta(hours=4),
    )
