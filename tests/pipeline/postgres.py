"""A throwaway PostgreSQL server for the end-to-end loader test.

Uses Debian's binaries under /usr/lib/postgresql/*/bin. initdb refuses to run as root, so when the
tests run as root the cluster is owned by the `postgres` system user and every server command runs
through `runuser`. The data directory lives in its own /tmp folder because pytest's tmp_path sits
under a root-only 0700 directory that the postgres user cannot enter.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType


def find_postgres_bin() -> Path | None:
    """The newest installed server's bin directory, or None when PostgreSQL is not installed."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """`with PostgresServer() as pg:` starts a trust-auth cluster on 127.0.0.1:<free port>."""

    user = "postgres"
    database = "postgres"
    host = "127.0.0.1"

    def __init__(self, bin_dir: Path | None = None) -> None:
        found = bin_dir or find_postgres_bin()
        if found is None:
            raise FileNotFoundError("no PostgreSQL server binaries installed")
        self.bin_dir = found
        self.root = Path(tempfile.mkdtemp(prefix="exact-pg-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log_file = self.root / "server.log"
        self.port = 0
        self._as_other_user = os.geteuid() == 0
        self._started = False

    def _cmd(self, *args: str) -> list[str]:
        if self._as_other_user:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._cmd(*args), capture_output=True, text=True, timeout=timeout, check=False
        )

    def start(self) -> PostgresServer:
        self.socket_dir.mkdir()
        if self._as_other_user:
            pw = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        initdb = self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", self.user,
            "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C",
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed: {initdb.stderr[-2000:]}")
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = _free_port()
            options = (
                f"-p {self.port} -k {self.socket_dir} -c listen_addresses={self.host} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            started = self._run(
                str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", options,
                "-l", str(self.log_file), "-w", "-t", "60", "start",
            )
            if started.returncode == 0:
                self._started = True
                return self
            last_error = started.stderr + self._log_tail()
        raise RuntimeError(f"PostgreSQL did not start: {last_error[-2000:]}")

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self._started:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate",
                      "-w", "stop", timeout=60)
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def query(self, sql: str) -> list[list[str]]:
        """Rows of a query via psql (unaligned, tab-separated); raises on SQL errors."""
        result = subprocess.run(
            [str(self.bin_dir / "psql"), "-h", self.host, "-p", str(self.port), "-U", self.user,
             "-d", self.database, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
             "-c", sql],
            capture_output=True, text=True, timeout=60, check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed for {sql!r}: {result.stderr.strip()}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def scalar(self, sql: str) -> str:
        rows = self.query(sql)
        return rows[0][0]

    def target_config(self, schema: str) -> dict[str, object]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": "",
            "database": self.database,
            "default_target_schema": schema,
        }
