"""The inbox: a folder users and scrapers drop disclosures into. Each distinct file content becomes
one dynamic partition, keyed by a short prefix of its sha256, so a file dropped twice under two
names is ingested once."""

import json
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.run import discover, file_document_id

# Its own name: Dagster types DynamicPartitionsDefinition.name as Optional; the instance wants a str.
DISCLOSURE_PARTITIONS_NAME = "disclosure"
DISCLOSURE_PARTITIONS = dg.DynamicPartitionsDefinition(name=DISCLOSURE_PARTITIONS_NAME)
PARTITION_KEY_LENGTH = 16
PATH_TAG = "yusuan/path"


def partition_key(document_id: str) -> str:
    return document_id[:PARTITION_KEY_LENGTH]


@dataclass(frozen=True)
class InboxScan:
    new_keys: list[str]
    run_requests: list[dg.RunRequest]
    cursor: str


def scan_inbox(inbox: Path, known_keys: set[str], cursor: str | None) -> InboxScan:
    """New partition keys and one run request per new content. Files are hashed once: the cursor
    remembers each path's size, mtime and key."""
    remembered: dict[str, list] = json.loads(cursor) if cursor else {}
    seen: dict[str, list] = {}
    new_keys: list[str] = []
    requests: list[dg.RunRequest] = []
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
        if key not in known_keys and key not in new_keys:
            new_keys.append(key)
            requests.append(dg.RunRequest(partition_key=key, run_key=key, tags={PATH_TAG: str(path)}))
    return InboxScan(new_keys, requests, json.dumps(seen, sort_keys=True))


def find_in_inbox(inbox: Path, key: str) -> Path | None:
    """The inbox file whose content has this key, for runs launched without a path tag (the UI)."""
    for path in discover([inbox]) if inbox.is_dir() else []:
        try:
            if partition_key(file_document_id(path)) == key:
                return path
        except OSError:
            continue
    return None
