"""Watch a process tree: peak memory and CPU time per process, by role in an ingest run.

An ingest is one main process (loading), a forkserver and the workers it forks: the readers
(extraction, normalization, consistency rules) and the validator (the GX suite), all counted as
`worker`. Linux keeps each process's RSS high-water mark (VmHWM in
/proc/PID/status), so sampling catches a peak however short it was, as long as the process is
sampled once after it; CPU times are the last sample's (a worker's final fraction of a second
after the last sample is lost, so CPU figures are slight underestimates).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import psutil

_STATUS = re.compile(r"^(VmRSS|VmHWM):\s+(\d+) kB", re.MULTILINE)


@dataclass
class ProcessRecord:
    pid: int
    role: str
    hwm_kb: int = 0
    cpu_seconds: float = 0.0  # since the monitor first saw the process
    cpu_at_start: float | None = None


@dataclass
class TreeMonitor:
    """Sample `root_pid` and its descendants every `interval` seconds in a background thread."""

    root_pid: int
    interval: float = 0.02
    records: dict[int, ProcessRecord] = field(default_factory=dict)
    peak_tree_rss_kb: int = 0
    samples: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._roles: dict[int, str] = {}

    def __enter__(self) -> TreeMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            root = psutil.Process(self.root_pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            self.sample(root)
            self._stop.wait(self.interval)
        self.sample(root)

    def _role(self, process: psutil.Process, parent_roles: dict[int, str]) -> str:
        if process.pid in self._roles:
            return self._roles[process.pid]
        if process.pid == self.root_pid:
            role = "main"
        else:
            command = " ".join(process.cmdline())
            parent = process.ppid()
            if "resource_tracker" in command:
                role = "other"
            elif parent == self.root_pid and "forkserver" in command:
                role = "forkserver"
            elif parent_roles.get(parent) == "forkserver" or parent == self.root_pid:
                role = "worker"
            else:
                role = "other"
        self._roles[process.pid] = role
        return role

    def sample(self, root: psutil.Process) -> None:
        try:
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        total = 0
        for process in processes:  # parents come before their children
            try:
                role = self._role(process, self._roles)
                with open(f"/proc/{process.pid}/status") as handle:
                    values = dict(_STATUS.findall(handle.read()))
                times = process.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied, FileNotFoundError, ProcessLookupError):
                continue
            rss, hwm = int(values.get("VmRSS", 0)), int(values.get("VmHWM", 0))
            total += rss
            record = self.records.setdefault(process.pid, ProcessRecord(process.pid, role))
            record.hwm_kb = max(record.hwm_kb, hwm)
            cpu = times.user + times.system
            if record.cpu_at_start is None:
                # a process already running when watching starts (the main one) counts from then;
                # one started since counts from its start
                record.cpu_at_start = cpu if self.samples == 0 else 0.0
            record.cpu_seconds = cpu - record.cpu_at_start
        self.peak_tree_rss_kb = max(self.peak_tree_rss_kb, total)
        self.samples += 1

    def by_role(self) -> dict[str, dict[str, float]]:
        """Per role: peak RSS of its largest process (MiB), CPU seconds summed since watching began,
        process count."""
        summary: dict[str, dict[str, float]] = {}
        for record in self.records.values():
            entry = summary.setdefault(record.role, {"peak_mib": 0.0, "cpu_seconds": 0.0, "processes": 0})
            entry["peak_mib"] = max(entry["peak_mib"], round(record.hwm_kb / 1024, 1))
            entry["cpu_seconds"] = round(entry["cpu_seconds"] + record.cpu_seconds, 2)
            entry["processes"] += 1
        return summary
