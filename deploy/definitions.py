"""yusuan's Dagster definitions with every step sent to celery workers (deploy/README.md).

The same assets, sensor and schedules as pipelines/definitions.py; only the executor, where files
are and how many documents a run reads differ: the inbox, the staging folder and the warehouse are
on storage every machine mounts (YUSUAN_INBOX, YUSUAN_STAGING, YUSUAN_WAREHOUSE), a run is one task
on one worker (smaller batches, YUSUAN_BATCH_SIZE, spread a backlog over more workers), and the
broker is CELERY_BROKER_URL (redis)."""

import os

import dagster as dg
from dagster_celery import celery_executor
from dagster_duckdb import DuckDBResource

# The module, not its `defs`: Dagster refuses a module that holds two Definitions objects.
from pipelines import definitions as local
from pipelines.resources import Inbox, Staging

defs = dg.Definitions(
    assets=[*local.defs.assets],
    asset_checks=[*local.defs.asset_checks],
    jobs=[local.stage_job, local.load_job],
    sensors=[local.inbox_sensor],
    schedules=[local.daily_inbox_sweep, local.daily_merge],
    resources={
        **local.defs.resources,
        "inbox": Inbox(
            path=os.environ.get("YUSUAN_INBOX", "/shared/inbox"),
            batch_size=int(os.environ.get("YUSUAN_BATCH_SIZE", Inbox().batch_size)),
        ),
        "staging": Staging(path=os.environ.get("YUSUAN_STAGING", "/shared/staging")),
        "warehouse": DuckDBResource(database=os.environ.get("YUSUAN_WAREHOUSE", "/shared/warehouse.duckdb")),
    },
    # Read when a run starts, from the variables celery-worker.yaml gives the workers: one broker for both.
    executor=celery_executor.configured(
        {"broker": {"env": "CELERY_BROKER_URL"}, "backend": {"env": "CELERY_RESULT_BACKEND"}}
    ),
)
