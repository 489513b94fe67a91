"""The shared sink: batched lookups, then one write and one result per record.

A ``BatchSink`` on purpose: before a batch is written, the codes its records name (suppliers,
items, warehouses) and their external references are resolved with a few batched GETs; then each
record is written on its own, so every record gets its own result (id or error) and one bad record
never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import jsonschema
from singer_sdk.sinks import BatchSink
from singer_sdk.sinks.core import BaseJSONSchemaValidator

from exact_online.errors import AuthError, DailyLimitReached, ExactError
from target_exact.mapping.fields import RecordError
from target_exact.results import RecordResult
from target_exact.writes import WriteUncertain

if TYPE_CHECKING:
    from target_exact.lookups import Lookups
    from target_exact.settings import Settings
    from target_exact.target import TargetExact
    from target_exact.writes import Writer

INVALID = "__target_exact_invalid__"
_SDC_KEEP = ("_sdc_deleted_at",)


class CollectingValidator(BaseJSONSchemaValidator):
    """Schema violations mark the record as failed instead of stopping the run."""

    def __init__(self, schema: dict[str, Any]) -> None:
        super().__init__(schema)
        cls = jsonschema.validators.validator_for(schema)
        self.validator = cls(schema, format_checker=None)

    def validate(self, record: dict[str, Any]) -> None:
        error = jsonschema.exceptions.best_match(self.validator.iter_errors(record))
        if error is not None:
            path = ".".join(str(p) for p in error.absolute_path) or "(record)"
            record[INVALID] = (
                f"{path}: does not match the stream schema "
                f"({error.validator} {str(error.validator_value)[:80]})"
            )
        # A bad date-time would stop the SDK's timestamp parsing (and the whole run): flag it here.
        for name, prop in self.schema.get("properties", {}).items():
            value = record.get(name)
            if not isinstance(prop, dict) or prop.get("format") not in ("date-time", "date"):
                continue
            if value is None or value == "":
                continue
            try:
                if not isinstance(value, str):
                    raise TypeError
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except (TypeError, ValueError):
                record.setdefault(INVALID, f"{name}: not an ISO date-time")
                record[name] = None


class ExactSink(BatchSink):
    MAX_SIZE_DEFAULT = 100  # records per batch: a STATE with results follows every batch

    @property
    def target(self) -> TargetExact:
        return self._target_exact

    def setup(self) -> None:
        super().setup()

    def __init__(self, target: Any, stream_name: str, schema: dict, key_properties: Any) -> None:
        self._target_exact = target
        super().__init__(target, stream_name, schema, key_properties)

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        if not self.validate_schema:
            return None
        return CollectingValidator(self.schema)

    @property
    def settings(self) -> Settings:
        return self.target.settings

    def division_of(self, record: dict[str, Any]) -> int:
        value = record.get("division")
        if value not in (None, ""):
            try:
                return int(value)
            except (TypeError, ValueError):
                raise RecordError("division", f"not a division number: {value!r}") from None
        return self.target.default_division()

    def lookups(self, division: int) -> Lookups:
        return self.target.lookups(division)

    def writer(self, division: int) -> Writer:
        return self.target.writer(division, self.stream_name)

    # batch flow
    def process_batch(self, context: dict) -> None:
        records: list[dict[str, Any]] = context.get("records", [])
        valid = [r for r in records if INVALID not in r]
        try:
            self.prefetch(valid)
        except (AuthError, DailyLimitReached):
            raise
        except ExactError as exc:
            # Records look their values up one by one instead (and fail one by one if Exact does).
            self.logger.warning("Batched lookups failed, resolving per record: %s", exc)
        fatal: Exception | None = None
        for record in records:
            result = self._write(record)
            if isinstance(result, Exception):
                fatal = result
                result = RecordResult("failed", error=str(fatal))
            self.target.results.add(self.stream_name, _public(record), result)
            if result.outcome == "failed":
                self.logger.error(
                    "%s record %s failed: %s",
                    self.stream_name,
                    result.external_id or "-",
                    result.error,
                )
            if fatal is not None:
                break
        self.target.emit_results(final=fatal is not None)  # a fatal error ends the run
        if fatal is not None:
            raise fatal

    def _write(self, record: dict[str, Any]) -> RecordResult | Exception:
        if INVALID in record:
            return RecordResult(
                "failed", external_id=self.external_id(record), error=record[INVALID]
            )
        try:
            return self.write_record(record)
        except RecordError as exc:
            return RecordResult("failed", external_id=self.external_id(record), error=str(exc))
        except (AuthError, DailyLimitReached) as exc:
            return exc
        except (ExactError, WriteUncertain) as exc:
            return RecordResult("failed", external_id=self.external_id(record), error=str(exc))

    def prefetch(self, records: list[dict[str, Any]]) -> None:
        """Batched lookups for the records of one batch (optional)."""

    def external_id(self, record: dict[str, Any]) -> str | None:
        value = record.get("externalId", record.get("id"))
        return None if value in (None, "") else str(value)

    def write_record(self, record: dict[str, Any]) -> RecordResult:
        raise NotImplementedError


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != INVALID}


def present(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values if v not in (None, "")]
