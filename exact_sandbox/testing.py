"""Start the real ``exact-sandbox serve`` as a subprocess: the one launcher of the tests (through
``exact_sandbox.pytest_plugin``), the demo, the benchmarks and the fidelity script.

Only the standard library and ``requests`` here, so importing this module never needs the
``[sandbox]`` extra; the server process does (it runs ``python -m exact_sandbox.cli`` on the
interpreter running this code).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import requests

LISTENING = "exact-sandbox listening on "
LOG_TAIL_CHARS = 4000


class SandboxServer:
    """``with SandboxServer(tmp_path, seed=1, divisions=2, scale="small", no_rate_limits=True) as
    sb: ...``

    Extra keyword flags become CLI flags: ``access_token_ttl=60`` -> ``--access-token-ttl 60``,
    ``tls=True`` -> ``--tls``, ``faults="503:every=2"`` -> ``--faults 503:every=2``.

    Data and config go to ``tmp_path/sandbox-data`` and ``tmp_path/sandbox-config.json`` unless
    ``data_dir``/``config_path`` say otherwise. The server's log (stderr) is kept in memory, or
    appended to ``log_path``; it is printed when the server does not start, and to stderr when the
    ``with`` block ends in an exception.
    """

    def __init__(
        self,
        tmp_path: str | Path,
        seed: int = 1,
        divisions: int = 2,
        scale: str = "small",
        start_timeout: float = 120.0,
        *,
        data_dir: str | Path | None = None,
        config_path: str | Path | None = None,
        log_path: str | Path | None = None,
        **flags: Any,
    ) -> None:
        self.dir = Path(tmp_path)
        self.data_dir = Path(data_dir) if data_dir else self.dir / "sandbox-data"
        self.config_path = Path(config_path) if config_path else self.dir / "sandbox-config.json"
        self.log_path = Path(log_path) if log_path else None
        self.seed = seed
        self.divisions = divisions
        self.scale = scale
        self.flags = flags
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.config: dict[str, Any] = {}
        self._stderr: list[str] = []
        self._log_file: IO[str] | None = None
        self._drainer: threading.Thread | None = None

    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "exact_sandbox.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data",
            str(self.data_dir),
            "--seed",
            str(self.seed),
            "--divisions",
            str(self.divisions),
            "--scale",
            self.scale,
            "--write-config",
            str(self.config_path),
        ]
        for name, value in self.flags.items():
            flag = "--" + name.replace("_", "-")
            if value is True:
                cmd.append(flag)
            elif value is False or value is None:
                continue
            else:
                cmd.extend([flag, str(value)])
        return cmd

    def start(self) -> SandboxServer:
        """Start the server and wait (up to ``start_timeout`` s) until it listens and its config
        is written; raises RuntimeError with the log's tail when it does not."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = self.log_path.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if self._log_file is None else self._log_file,
            text=True,
            env=env,
        )
        stdout = self.proc.stdout
        assert stdout is not None
        if self.proc.stderr is not None:
            self._drainer = threading.Thread(
                target=self._drain, args=(self.proc.stderr,), daemon=True
            )
            self._drainer.start()
        line_box: list[str] = []
        reader = threading.Thread(target=lambda: line_box.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        line = line_box[0] if line_box else ""
        if not line.startswith(LISTENING) or not self.config_path.exists():
            self.stop()
            raise RuntimeError(f"exact-sandbox did not start: {line!r}\n{self.log_tail()}")
        self.base_url = line[len(LISTENING) :].strip()
        self.config = json.loads(self.config_path.read_text())
        return self

    def _drain(self, stream: Any) -> None:
        for line in stream:
            self._stderr.append(line)
            if len(self._stderr) > 2000:
                del self._stderr[:1000]

    @property
    def stderr(self) -> str:
        """The server's log so far (what it wrote to stderr; the file's text with ``log_path``)."""
        if self.log_path is not None:
            if self._log_file is not None:
                self._log_file.flush()
            try:
                return self.log_path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return ""
        return "".join(self._stderr)

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        return self.stderr[-chars:]

    def stop(self) -> None:
        """Terminate the server (kill after 10 s); safe to call more than once."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
            if self._drainer is not None:
                self._drainer.join(5)  # the log's last lines, e.g. why it did not start
                if not self._drainer.is_alive() and self.proc.stderr is not None:
                    self.proc.stderr.close()
                self._drainer = None
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def restart(self, **flags: Any) -> SandboxServer:
        """Stop and start again on the same data dir (flags updated)."""
        self.stop()
        self.flags.update(flags)
        return self.start()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and not issubclass(exc_type, KeyboardInterrupt):
            tail = self.log_tail()
            if tail.strip():
                print(f"--- exact-sandbox log (last lines) ---\n{tail}", file=sys.stderr)
        self.stop()

    # -- helpers
    # ------------------------------------------------------------------------------------------
    @property
    def verify(self) -> bool | str:
        return self.config.get("ca_file", True)

    @property
    def divisions_list(self) -> list[int]:
        return list(self.config["divisions"])

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """``control("POST", "faults", {"spec": "503:every=2"})`` -> parsed JSON answer."""
        url = f"{self.base_url}/_sandbox/{path.lstrip('/')}"
        r = requests.request(method, url, json=body, timeout=60, verify=self.verify)
        r.raise_for_status()
        return r.json()

    def stats(self) -> dict[str, dict[str, int]]:
        return self.control("GET", "stats")

    def calls(self) -> dict[str, Any]:
        return self.control("GET", "calls")

    def reset_calls(self) -> None:
        self.control("POST", "reset-calls")

    def set_faults(self, spec: str | list[dict[str, Any]], seed: int | None = None) -> Any:
        body: dict[str, Any] = {"spec": spec} if isinstance(spec, str) else {"faults": spec}
        if seed is not None:
            body["seed"] = seed
        return self.control("POST", "faults", body)

    def clear_faults(self) -> None:
        self.control("POST", "faults", {"faults": []})

    def set_clock(self, offset_seconds: float) -> None:
        self.control("POST", "clock", {"offset_seconds": offset_seconds})

    def insert_rows(
        self, division: int, entity: str, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        return self.control("POST", "rows", {"division": division, "entity": entity, "rows": rows})[
            "rows"
        ]

    def delete_rows(self, division: int, entity: str, keys: list[Any]) -> None:
        self.control("POST", "delete", {"division": division, "entity": entity, "keys": keys})

    def set_translation(
        self, division: int, entity: str, key: Any, language: str, texts: dict[str, Any]
    ) -> dict[str, Any]:
        """Texts of one row in ``language`` (``CustomDescriptionLanguage``); the row is touched."""
        body = {
            "division": division, "entity": entity, "key": key, "language": language,
            "texts": texts,
        }
        return dict(self.control("POST", "translations", body)["row"])

    def move_division(self, division: int) -> None:
        self.control("POST", f"divisions/{division}/move")

    def token_pair(self) -> dict[str, Any]:
        """The token answer of a NEW authorization-code chain (access_token, refresh_token,
        expires_in): what an OAuth flow such as HotGlue's puts in a config. The config's own chain
        is left alone."""
        cfg = self.config
        r = requests.get(
            f"{self.base_url}/api/oauth2/auth",
            params={
                "client_id": cfg["client_id"],
                "redirect_uri": "http://127.0.0.1/cb",
                "response_type": "code",
                "state": "t",
            },
            allow_redirects=False,
            timeout=30,
            verify=self.verify,
        )
        code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
        t = requests.post(
            f"{self.base_url}/api/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1/cb",
                "client_id": cfg["client_id"],
                "client_secret": cfg["client_secret"],
            },
            timeout=30,
            verify=self.verify,
        )
        t.raise_for_status()
        return dict(t.json())

    def access_token(self) -> str:
        """A fresh access token from a NEW authorization-code chain."""
        return str(self.token_pair()["access_token"])

    def session(self, json_format: bool = True) -> requests.Session:
        """A plain requests session with a fresh bearer token (own auth chain)."""
        s = requests.Session()
        s.trust_env = False  # REQUESTS_CA_BUNDLE would override verify; loopback needs no proxy
        s.verify = self.verify
        s.headers["Authorization"] = f"Bearer {self.access_token()}"
        if json_format:
            s.headers["Accept"] = "application/json"
        return s

    def api_url(self, path: str, division: int | None = None) -> str:
        d = self.divisions_list[0] if division is None else division
        return f"{self.base_url}/api/v1/{path.replace('{division}', str(d))}"
