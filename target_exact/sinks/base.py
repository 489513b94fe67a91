"""The shared sink: batched lookups, then one write and one result per record.

A ``BatchSink`` on purpose: before a batch is written, the codes its records name (suppliers,
items, warehouses) and their external references are resolved with a few batched GETs; then each
record is written on its own, so every record gets its own result (id or error) and one bad record
never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import jsonschema
import requests
from singer_sdk.sinks import BatchSink
from singer_sdk.sinks.core import BaseJSONSchemaValidator

from exact_online.errors import AuthError, DailyLimitReached, ExactError
from target_exact.context import WriteContext
from target_exact.lookups import Lookups
from target_exact.mapping import fields as f
from target_exact.mapping.fields import RecordError
from target_exact.results import RecordResult
from target_exact.settings import Settings
from target_exact.writes import Writer, WriteUncertain

INVALID = "__target_exact_invalid__"
_ADDED = "__target_exact_added__"  # key properties the record lacked, added as None


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
    # Set on the classes made by bound(): the SDK builds sinks itself, from the class the
    # target's get_sink_class returns, with a fixed constructor.
    write_context: ClassVar[WriteContext | None] = None

    @classmethod
    def bound(cls, context: WriteContext) -> type[ExactSink]:
        """This sink class with ``context`` for its instances."""
        namespace = {"write_context": context, "__module__": cls.__module__}
        return type(cls.__name__, (cls,), namespace)

    def __init__(self, target: Any, stream_name: str, schema: dict, key_properties: Any) -> None:
        context = type(self).write_context
        if context is None:
            raise TypeError(f"{type(self).__name__} is not bound to a WriteContext (bound())")
        self.ctx: WriteContext = context
        super().__init__(target, stream_name, schema, key_properties)

    def preprocess_record(self, record: dict, context: dict) -> dict:
        # The SDK stops the run on a record without its key properties (next step): fail the
        # record instead, and leave the added keys out of its result.
        missing = [name for name in self.key_properties if name not in record]
        if missing:
            record.setdefault(INVALID, f"{missing[0]}: is missing (a key property of the stream)")
            record[_ADDED] = missing
            record.update(dict.fromkeys(missing))
        return record

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        if not self.validate_schema:
            return None
        return CollectingValidator(self.schema)

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def division_of(self, record: dict[str, Any], field: str = "division") -> int:
        """The record's division (``field``), else the run's default division."""
        value = record.get(field)
        if value in (None, ""):
            return self.ctx.default_division()
        division = f.integer(value, field)
        if division is None or division <= 0:
            raise RecordError(field, f"not a division number: {value!r}")
        return division

    def lookups(self, division: int) -> Lookups:
        return self.ctx.lookups(division)

    def writer(self, division: int) -> Writer:
        return self.ctx.writer(division, self.stream_name)

    # batch flow
    def process_batch(self, context: dict) -> None:
        records: list[dict[str, Any]] = context.get("records", [])
        valid = [r for r in records if INVALID not in r]
        try:
            self.prefetch(valid)
        except Exception as exc:
            if run_fatal(exc):
                raise
            # Records look their values up one by one instead (and fail one by one if Exact does).
            self.logger.warning("Batched lookups failed, resolving per record: %s", describe(exc))
        fatal: Exception | None = None
        for record in records:
            result = self._write(record)
            if isinstance(result, Exception):
                fatal = result
                result = RecordResult(
                    "failed", external_id=self.external_id(record), error=str(fatal)
                )
            self.ctx.results.add(self.stream_name, _public(record), result)
            if result.outcome == "failed":
                self.logger.error(
                    "%s record %s failed: %s",
                    self.stream_name,
                    result.external_id or "-",
                    result.error,
                )
            if fatal is not None:
                break
        self.ctx.emit_results(final=fatal is not None)  # a fatal error ends the run
        if fatal is not None:
            raise fatal

    def _write(self, record: dict[str, Any]) -> RecordResult | Exception:
        """One record's result; a run-fatal exception is returned for the caller to raise."""
        if INVALID in record:
            return RecordResult(
                "failed", external_id=self.external_id(record), error=record[INVALID]
            )
        try:
            return self.write_record(record)
        except RecordError as exc:
            error = str(exc)
        except Exception as exc:
            if run_fatal(exc):
                return exc
            error = describe(exc)
            if not isinstance(exc, (ExactError, WriteUncertain, ArithmeticError)):
                # Not a known kind of failure: the traceback (no record values) finds the bug.
                self.logger.debug(
                    "%s: unexpected %s", self.stream_name, type(exc).__name__, exc_info=exc
                )
        return RecordResult("failed", external_id=self.external_id(record), error=error)

    def prefetch(self, records: list[dict[str, Any]]) -> None:
        """Batched lookups for the records of one batch (optional)."""

    def external_id(self, record: dict[str, Any]) -> str | None:
        value = record.get("externalId", record.get("id"))
        return None if value in (None, "") else str(value)

    def write_record(self, record: dict[str, Any]) -> RecordResult:
        raise NotImplementedError


def run_fatal(exc: Exception) -> bool:
    """Failures that end the run instead of one record: the token chain is refused, the day's
    API budget is spent, or our own output (stdout, the token store) cannot be written. A
    request's own failure (requests' errors are OSErrors too) belongs to its record."""
    if isinstance(exc, (AuthError, DailyLimitReached)):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, requests.RequestException)


def describe(exc: Exception) -> str:
    """A record's error for an exception that is not a :class:`RecordError`."""
    if isinstance(exc, (ExactError, WriteUncertain)):
        return str(exc)  # Exact's answer, or why a write's outcome is unknown
    if isinstance(exc, ArithmeticError):  # decimal.InvalidOperation, overflow, division by zero
        return f"a number is out of range ({type(exc).__name__})"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """The record as it came in (for its result's hash)."""
    hidden = {INVALID, _ADDED, *record.get(_ADDED, ())}
    return {k: v for k, v in record.items() if k not in hidden}


def present(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values if v not in (None, "")]
