"""The inbox: a folder users and scrapers drop disclosures into. Each distinct file content becomes
one dynamic partition, keyed by a short prefix of its sha256, so a file dropped twice under two
names is ingested once. New partitions are read in batches: consecutive keys, one run each."""

import json
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.run import discover, file_document_id

# Its own name: Dagster types DynamicPartitionsDefinition.name as Optional; the instance wants a str.
DISCLOSURE_PARTITIONS_NAME = "disclosure"
DISCLOSURE_PARTITIONS = dg.DynamicPartitionsDefinition(name=DISCLOSURE_PARTITIONS_NAME)
PARTITION_KEY_LENGTH = 16
# How Dagster 1.13 asks for one run over a range of partition keys (RunRequest has no range argument).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_key(document_id: str) -> str:
    return document_id[:PARTITION_KEY_LENGTH]


@dataclass(frozen=True)
class InboxScan:
    new_keys: list[str]
    paths: dict[str, str]
    cursor: str

    def batches(self, size: int) -> list[list[str]]:
        """The new keys in runs of up to `size`: keys added together are consecutive in the dynamic
        partitions, so each batch is one partition-key range."""
        step = max(1, size)
        return [self.new_keys[start : start + step] for start in range(0, len(self.new_keys), step)]


def range_tags(keys: list[str]) -> dict[str, str]:
    return {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}


def scan_inbox(inbox: Path, known_keys: set[str], cursor: str | None) -> InboxScan:
    """New partition keys, in the order their files are found, with a path to each. Files are hashed
    once: the cursor remembers each path's size, mtime and key."""
    remembered: dict[str, list] = json.loads(cursor) if cursor else {}
    seen: dict[str, list] = {}
    paths: dict[str, str] = {}
    for path in discover([inbox]) if inbox.is_dir() else []:
        try:
            stat = path.stat()
            previous = remembered.get(str(path))
            if previous and previous[:2] == [stat.st_size, stat.st_mtime_ns]:
                key = previous[2]
            else:
                key = partition_key(file_document_id(path))
        except OSError:
            continue
        seen[str(path)] = [stat.st_size, stat.st_mtime_ns, key]
        if key not in known_keys:
            paths.setdefault(key, str(path))
    return InboxScan(list(paths), paths, json.dumps(seen, sort_keys=True))


def locate_in_inbox(inbox: Path, keys: set[str]) -> dict[str, Path]:
    """The inbox file of each key, for runs launched without paths (a backfill from the UI): the
    inbox is hashed once for the whole run, stopping when every key is found."""
    found: dict[str, Path] = {}
    for path in discover([inbox]) if inbox.is_dir() else []:
        try:
            key = partition_key(file_document_id(path))
        except OSError:
            continue
        if key in keys:
            found.setdefault(key, path)
            if len(found) == len(keys):
                break
    return found
