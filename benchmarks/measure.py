"""Run one Singer process and measure it: wall time, its own CPU time and peak RSS (os.wait4
rusage), records and STATE messages on stdout (counted while streaming, never stored).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass
class ProcessRun:
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    records: int
    last_state: dict[str, Any] | None = None
    stderr_tail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("last_state")
        if self.returncode == 0:
            d.pop("stderr_tail")
        return d


def _count(
    stream: IO[bytes], box: dict[str, Any], keep: Path | None, every_line: bool = False
) -> None:
    records = 0
    last_state = None
    sink = keep.open("wb") if keep else None
    try:
        for line in stream:
            if sink:
                sink.write(line)
            head = line[:40]
            if every_line or b'"RECORD"' in head:
                records += 1
            elif b'"STATE"' in head:
                last_state = line
    finally:
        if sink:
            sink.close()
    box["records"] = records
    box["state"] = json.loads(last_state).get("value") if last_state else None


def run_process(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: Path,
    timeout: float = 3600,
    keep_stdout: Path | None = None,
    stdin_path: Path | None = None,
    every_line: bool = False,
) -> ProcessRun:
    """``every_line``: count every stdout line as a record (the bare loop's plain JSON lines)."""
    err_path = cwd / f"stderr-{Path(argv[0]).name}-{int(time.time() * 1000)}.log"
    box: dict[str, Any] = {}
    with (
        err_path.open("wb") as err,
        stdin_path.open("rb") if stdin_path else open(os.devnull, "rb") as stdin,
    ):
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdin=stdin, stdout=subprocess.PIPE, stderr=err, env=dict(env), cwd=cwd
        )
        assert proc.stdout is not None
        reader = threading.Thread(
            target=_count, args=(proc.stdout, box, keep_stdout, every_line), daemon=True
        )
        reader.start()
        deadline = start + timeout
        status, usage = 0, None
        while True:  # bounded by the deadline
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        reader.join(60)
    stderr = err_path.read_text(errors="replace")
    return ProcessRun(
        returncode=proc.returncode,
        wall_s=round(wall, 3),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
        records=int(box.get("records", 0)),
        last_state=box.get("state"),
        stderr_tail=stderr[-3000:],
    )
