"""singer-sdk's standard target tests that fit an API destination, plus every file in examples/
run through the same SDK test machinery against a sandbox.

target-exact writes a fixed set of streams (HotGlue streams and writable Exact entities) into
Exact's schema, like MeltanoLabs/target-salesforce writes Salesforce objects. The SDK's
database-style tests send made-up streams (``test_camelcase``, ``test_array_data``…) with
made-up fields and expect the target to create tables for them; an API destination refuses an
unknown stream by design, so these do not apply:

* array_data, camelcase, camelcase_complex_schema, duplicate_records, encoded_string_data,
  no_primary_keys, optional_attributes, pk_updates, record_missing_fields,
  record_missing_required_property, schema_no_properties, schema_updates,
  special_chars_in_attributes: arbitrary stream names and fields -> "cannot write stream".
* record_missing_key_property: its stream is unknown, so the target fails at the SCHEMA message,
  before the key check the test is about (our records are isolated per record instead).
* invalid_schema: would pass only because the stream is unknown - not a meaningful check.
* multiple_state_messages: target-exact does not echo upstream STATE verbatim; it merges its
  per-record results (HotGlue ``bookmarks``/``summary``) into it (see test_rules.test_state_shape).

Kept: cli_prints (``--version``/``--about``) and record_before_schema, changed: a RECORD before its
SCHEMA fails alone (counted, logged by line number, exit 1) instead of stopping the run with
``RecordsWithoutSchemaException`` (see test_input_messages.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.testing import get_target_test_class
from singer_sdk.testing.suites import SingerTestSuite
from singer_sdk.testing.target_tests import TargetCliPrintsTest, TargetRecordBeforeSchemaTest
from singer_sdk.testing.templates import TargetFileTestTemplate

from exact_sandbox.testing import SandboxServer
from target.helpers import target_config
from target_exact.target import TargetExact

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Filled by the module's sandbox fixture before any test runs: the SDK's runner reads this dict
# when it builds each target.
CONFIG: dict[str, Any] = {"client_id": "unset", "client_secret": "unset"}


class RecordBeforeSchemaFailsAlone(TargetRecordBeforeSchemaTest):
    def test(self) -> None:
        with pytest.raises(SystemExit) as exc:  # the run went on to the end, then exit 1
            TargetFileTestTemplate.test(self)
        assert exc.value.code == 1


def example_test(path: Path) -> type[TargetFileTestTemplate]:
    class ExampleFile(TargetFileTestTemplate):
        name = f"example_{path.stem}"

        @property
        def singer_filepath(self) -> Path:  # type: ignore[override]
            return path

        def test(self) -> None:
            self.runner.sync_all()
            records = [
                m for m in map(json.loads, path.read_text().splitlines()) if m["type"] == "RECORD"
            ]
            summary = self.runner.state_messages[-1]["summary"][records[0]["stream"]]
            assert summary["fail"] == 0, self.runner.state_messages[-1]
            assert sum(summary.values()) == len(records)

    ExampleFile.__name__ = f"TargetExample_{path.stem}"
    return ExampleFile


standard = SingerTestSuite(kind="target", tests=[TargetCliPrintsTest, RecordBeforeSchemaFailsAlone])
examples = SingerTestSuite(
    kind="target", tests=[example_test(p) for p in sorted(EXAMPLES.glob("*.jsonl"))]
)

TestTargetExactStandard = get_target_test_class(
    TargetExact,
    config=CONFIG,
    include_target_tests=False,
    custom_suites=[standard, examples],
    parse_env_config=False,
)


@pytest.fixture(scope="module", autouse=True)
def _sandbox_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with SandboxServer(
        tmp_path_factory.mktemp("sdk-sandbox"),
        seed=1,
        divisions=2,
        scale="small",
        no_rate_limits=True,
    ) as sb:
        CONFIG.clear()
        CONFIG.update(target_config(sb))
        yield
