"""The Dagster path against the CLI on the same backlog: staging runs of up to N documents, then the
loader, each run a fresh process (as the daemon's run launcher starts them), against one
`yusuan ingest --workers 2`, also a fresh process. Paired rounds, the median ratio; plus the
loader's documents merged per second and the workers a national year needs in 24 hours.

`python -m bench.dagster stage HOME WORK KEY=PATH...` and `python -m bench.dagster load HOME WORK`
are the runs' processes; `section_dagster` drives them.
"""

import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

NATIONAL_YEAR_DOCUMENTS = 150_000
DAY_SECONDS = 24 * 3600


def _resources(work: Path) -> dict:
    from dagster_duckdb import DuckDBResource

    from pipelines.resources import DataQuality, Inbox, ReadingLimits, Staging

    return {
        "inbox": Inbox(path=str(work / "inbox")),
        "reading": ReadingLimits(workers=2),
        "staging": Staging(path=str(work / "staging")),
        "warehouse": DuckDBResource(database=str(work / "dagster.duckdb")),
        "quality": DataQuality(data_docs=str(work / "docs")),
    }


def _child(kind: str, home: Path, work: Path, pairs: list[str]) -> int:
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    from pipelines.definitions import STAGED, staged_disclosure, warehouse_tables
    from pipelines.inbox import DISCLOSURE_PARTITIONS_NAME, range_tags

    instance = dg.DagsterInstance.get()
    if kind == "stage":
        paths = dict(pair.split("=", 1) for pair in pairs)
        keys = list(paths)
        instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME, keys)
        config = {"ops": {STAGED: {"config": {"paths": paths}}}}
        result = dg.materialize(
            [staged_disclosure], instance=instance, tags=range_tags(keys), run_config=config, resources=_resources(work)
        )
        return 0 if result.success else 1
    result = dg.materialize([warehouse_tables], instance=instance, resources=_resources(work))
    metadata = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key.to_user_string() == "dim_document"
    )
    print(json.dumps({"merged": metadata["merged"].value, "seconds": metadata["merge_seconds"].value}))
    return 0 if result.success else 1


def _timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command[:4])} ... failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout


def _dagster_round(files: list[Path], batch: int, work: Path) -> dict:
    from pipelines.inbox import partition_key
    from pipelines.run import file_document_id

    home = work / "home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    pairs = [f"{partition_key(path.name, file_document_id(path))}={path}" for path in files]
    staging = 0.0
    for start in range(0, len(pairs), batch):
        command = [sys.executable, "-m", "bench.dagster", "stage", str(home), str(work), *pairs[start : start + batch]]
        staging += _timed(command)[0]
    seconds, out = _timed([sys.executable, "-m", "bench.dagster", "load", str(home), str(work)])
    merge = json.loads(out.strip().splitlines()[-1])
    return {"staging_seconds": staging, "loader_seconds": seconds, "merge": merge}


def section_dagster(options, files: list[Path], work: Path) -> dict:
    """Paired rounds of the Dagster path and the CLI on the same files, alternating which runs first."""
    from pipelines.resources import Inbox

    backlog = files[: options.backlog]
    batch = options.batch_size or Inbox().batch_size
    rounds = []
    for number in range(options.rounds):
        round_work = work / f"dagster_round_{number}"
        subprocess.run(["rm", "-rf", str(round_work)], check=True)
        round_work.mkdir(parents=True)
        cli = [sys.executable, "-m", "pipelines.cli", "ingest", *map(str, backlog), "--workers", "2"]
        cli += ["--warehouse", str(round_work / "cli.duckdb")]
        order = ("dagster", "cli") if number % 2 == 0 else ("cli", "dagster")
        timing: dict = {}
        for kind in order:
            if kind == "cli":
                timing["cli_seconds"] = _timed(cli)[0]
            else:
                timing |= _dagster_round(backlog, batch, round_work / "dagster")
        dagster_seconds = timing["staging_seconds"] + timing["loader_seconds"]
        timing["ratio"] = timing["cli_seconds"] / dagster_seconds
        rounds.append(timing)
        print(
            f"  round {number + 1}: dagster {dagster_seconds:.1f} s (staging {timing['staging_seconds']:.1f}, "
            f"loader {timing['loader_seconds']:.1f}), cli {timing['cli_seconds']:.1f} s, "
            f"throughput ratio {timing['ratio']:.2f}"
        )
    staging_per_document = statistics.median(r["staging_seconds"] / len(backlog) for r in rounds)
    merged_per_second = statistics.median(r["merge"]["merged"] / r["merge"]["seconds"] for r in rounds)
    summary = {
        "documents": len(backlog),
        "batch_size": batch,
        "rounds": rounds,
        "dagster_backlog_vs_cli": round(statistics.median(r["ratio"] for r in rounds), 3),
        "staging_seconds_per_document": round(staging_per_document, 3),
        "loader_documents_merged_per_second": round(merged_per_second, 2),
        "loader_hours_for_national_year": round(NATIONAL_YEAR_DOCUMENTS / merged_per_second / 3600, 1),
        "workers_for_national_year_in_24h": math.ceil(NATIONAL_YEAR_DOCUMENTS * staging_per_document / DAY_SECONDS),
    }
    print(
        f"  median of {len(rounds)} paired rounds: Dagster / CLI throughput {summary['dagster_backlog_vs_cli']} "
        f"(target >= 0.8); loader merges {summary['loader_documents_merged_per_second']} documents/s "
        f"({summary['loader_hours_for_national_year']} h for {NATIONAL_YEAR_DOCUMENTS:,}); "
        f"{summary['workers_for_national_year_in_24h']} two-core workers stage a national year in 24 h"
    )
    return summary


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:]))
