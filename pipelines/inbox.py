"""The inbox: a folder users and scrapers drop disclosures into. Each distinct file content becomes
one dynamic partition, so a file dropped twice under two names is ingested once. Its key is the file
name it was first found under, readable where Dagster lists partitions, followed by a prefix of its
sha256 that tells contents apart and finds the file again under any name. New partitions are read in
batches: consecutive keys, one run each."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.run import discover, file_document_id

# Its own name: Dagster types DynamicPartitionsDefinition.name as Optional; the instance wants a str.
DISCLOSURE_PARTITIONS_NAME = "disclosure"
DISCLOSURE_PARTITIONS = dg.DynamicPartitionsDefinition(name=DISCLOSURE_PARTITIONS_NAME)
DIGEST_LENGTH = 12
NAME_LENGTH = 48
# Dagster 1.13 refuses "..." and control characters in a key; the UI's partition selection reads ","
# and brackets as its own syntax; blanks make a key hard to select; the undecodable bytes of a name
# that is not UTF-8 (lone surrogates) cannot be stored.
UNSAFE_IN_KEY = re.compile(r"[\x00-\x20\x7f-\x9f,\[\]\u2028\u2029\u3000\ud800-\udfff]+|\.{2,}")
# How Dagster 1.13 asks for one run over a range of partition keys (RunRequest has no range argument).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_key(file_name: str, document_id: str) -> str:
    """`贵阳市医疗保障局2025年部门预算-1f0c9a7e2b3d` for that file: its name without the suffix, made
    safe and trimmed, then the content's digest."""
    stem = UNSAFE_IN_KEY.sub("_", Path(file_name).stem).strip("_.-")[:NAME_LENGTH]
    digest = document_id[:DIGEST_LENGTH]
    return f"{stem}-{digest}" if stem else digest


def content_digest(key: str) -> str:
    """The sha256 prefix a key ends with; keys made before keys held names were the prefix alone."""
    return key.rsplit("-", 1)[-1][:DIGEST_LENGTH]


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
    once: the cursor remembers each path's size, mtime and digest. A content already known under
    another name keeps its key."""
    remembered: dict[str, list] = json.loads(cursor) if cursor else {}
    known = {content_digest(key) for key in known_keys}
    seen: dict[str, list] = {}
    paths: dict[str, tuple[str, str]] = {}
    for path in discover([inbox]) if inbox.is_dir() else []:
        try:
            stat = path.stat()
            previous = remembered.get(str(path))
            if previous and previous[:2] == [stat.st_size, stat.st_mtime_ns]:
                digest = previous[2][:DIGEST_LENGTH]
            else:
                digest = file_document_id(path)[:DIGEST_LENGTH]
        except OSError:
            continue
        seen[str(path)] = [stat.st_size, stat.st_mtime_ns, digest]
        if digest not in known:
            paths.setdefault(digest, (partition_key(path.name, digest), str(path)))
    keyed = dict(paths.values())
    return InboxScan(list(keyed), keyed, json.dumps(seen, sort_keys=True))


def locate_in_inbox(inbox: Path, keys: set[str]) -> dict[str, Path]:
    """The inbox file of each key, for runs launched without paths (a backfill from the UI), found by
    content whatever its name is now: the inbox is hashed once for the whole run, stopping when
    every key is found."""
    wanted = {content_digest(key): key for key in keys}
    found: dict[str, Path] = {}
    for path in discover([inbox]) if inbox.is_dir() else []:
        try:
            key = wanted.get(file_document_id(path)[:DIGEST_LENGTH])
        except OSError:
            continue
        if key is not None:
            found.setdefault(key, path)
            if len(found) == len(keys):
                break
    return found
