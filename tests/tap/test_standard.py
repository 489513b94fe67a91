"""The singer-sdk standard tap tests, on the 27 seed-001 streams only.

All 343 streams would make thousands of parametrised tests (one per stream and per property); the
other streams are covered by test_all_streams.py with one sync run. The sandbox is started when the
test class runs (its config dict is filled in place), with one deletion so `deleted` has a row.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.streams import Stream
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from exact_sandbox.testing import SandboxServer
from tap_exact.seed_streams import SEED_001_STREAMS
from tap_exact.tap import TapExact


class SeedTapExact(TapExact):
    def discover_streams(self) -> list[Stream]:
        return [s for s in super().discover_streams() if s.name in SEED_001_STREAMS]


CONFIG: dict[str, Any] = {"client_id": "filled-by-fixture", "client_secret": "filled-by-fixture"}

_Base = get_tap_test_class(
    SeedTapExact,
    config=CONFIG,
    suite_config=SuiteConfig(ignore_no_records_for_streams=[]),
    parse_env_config=False,
)


class TestTapExactSeedStreams(_Base):  # type: ignore[misc, valid-type]
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _sandbox(cls) -> Iterator[None]:
        tmp = Path(tempfile.mkdtemp(prefix="tap-standard-"))
        with SandboxServer(tmp, seed=3, divisions=2, scale="small", no_rate_limits=True) as sb:
            division = sb.divisions_list[0]
            row = {"Code": "GONE", "Description": "deleted before the run"}
            item = sb.insert_rows(division, "logistics/Items", [row])
            sb.delete_rows(division, "logistics/Items", [item[0]["ID"]])
            CONFIG.update(sb.config)
            yield
        shutil.rmtree(tmp, ignore_errors=True)
