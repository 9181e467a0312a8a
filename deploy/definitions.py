"""yusuan's Dagster definitions with every step sent to celery workers (deploy/README.md).

The same assets, sensor and schedules as pipelines/definitions.py; only the executor and where
files are differ: the inbox, the staging folder and the warehouse are on storage every machine
mounts (YUSUAN_INBOX, YUSUAN_STAGING, YUSUAN_WAREHOUSE)."""

import os

import dagster as dg
from dagster_celery import celery_executor
from dagster_duckdb import DuckDBResource

from pipelines.definitions import daily_inbox_sweep, daily_merge, inbox_sensor, load_job, stage_job
from pipelines.definitions import defs as local
from pipelines.resources import Inbox, Staging

defs = dg.Definitions(
    assets=[*local.assets],
    asset_checks=[*local.asset_checks],
    jobs=[stage_job, load_job],
    sensors=[inbox_sensor],
    schedules=[daily_inbox_sweep, daily_merge],
    resources={
        **local.resources,
        "inbox": Inbox(path=os.environ.get("YUSUAN_INBOX", "/shared/inbox")),
        "staging": Staging(path=os.environ.get("YUSUAN_STAGING", "/shared/staging")),
        "warehouse": DuckDBResource(database=os.environ.get("YUSUAN_WAREHOUSE", "/shared/warehouse.duckdb")),
    },
    executor=celery_executor.configured(
        {
            "broker": os.environ.get("CELERY_BROKER_URL", "pyamqp://guest@rabbitmq:5672//"),
            "backend": os.environ.get("CELERY_RESULT_BACKEND", "rpc://"),
        }
    ),
)
