"""The project's jobs under the multiprocess executor, each step in a process of its own, in a module
Dagster's step processes can import (pytest imports test files under names they cannot)."""

import dagster as dg

from pipelines.definitions import (
    LOAD_JOB,
    STAGE_JOB,
    defs,
    every_document_loaded,
    load_job,
    stage_job,
    staged_disclosure,
    warehouse_tables,
)


def _definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[staged_disclosure, warehouse_tables],
        asset_checks=[every_document_loaded],
        jobs=[stage_job, load_job],
        resources=defs.resources,
        executor=dg.multiprocess_executor,
    )


def multiprocess_stage_job() -> dg.JobDefinition:
    return _definitions().resolve_job_def(STAGE_JOB)


def multiprocess_load_job() -> dg.JobDefinition:
    return _definitions().resolve_job_def(LOAD_JOB)
