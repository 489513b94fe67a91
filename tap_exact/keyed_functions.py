"""Function streams that need a key: one call per key of their parent entity, on explicit opt-in.

``item_extra_field`` answers for one ``itemId``, ``account_documents_count`` for one
``accountId``, ``opportunity_documents_count`` for one ``opportunityId``
(:data:`exact_online.keyed_functions.KEY_PARAMETERS`). Read without it they have nothing to say,
so such a stream runs only when it is selected AND named in the ``keyed_functions`` setting. Then,
per division, it lists the parent's keys (``$select`` of the key only: one call per 1000 keys on
sync endpoints, per 60 on plain ones), says in the log what the run will cost, and calls the
function once per key — unless that is more than the division has left today above
``daily_call_reserve``, which it says instead of starting. Each row carries the key it was asked
for (a property named as the parameter).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from singer_sdk.helpers.types import Context

from exact_online.keyed_functions import KEY_PARAMETERS, KeyParameter
from exact_online.odata import Query, literal
from exact_online.registry import Entity, load_registry
from tap_exact.client import ExactStream
from tap_exact.streams import FunctionStream

SETTING = "keyed_functions"


def keyed_function_streams() -> dict[str, KeyParameter]:
    """Stream name -> its key parameter, for every keyed function in the registry."""
    registry = load_registry()
    return {
        entity.stream: KEY_PARAMETERS[entity.qualified_name]
        for entity in registry.entities
        if entity.qualified_name in KEY_PARAMETERS
    }


class KeyedFunctionStream(FunctionStream):
    key_parameter: ClassVar[KeyParameter]
    _key: str | None = None
    _refusal_said = False

    def query(self, context: Context | None) -> Query:
        if self._key is None:
            return Query()
        return Query(extra={self.key_parameter.name: literal(self._key, "Edm.Guid")})

    def read_partition(self, context: Context | None) -> Iterator[dict[str, Any]]:
        parent = load_registry().find(self.key_parameter.parent)
        if self.name not in self.runtime.settings.keyed_functions or parent is None:
            self._refuse()
            return
        division = self._division
        keys, calls = self._parent_keys(parent, division)
        self.runtime.progress.add_calls(self.name, calls)
        left = self._calls_left(division)
        self.logger.info(
            "%s: %d keys of %s in division %s (%d calls to list them): %d calls, one per key "
            "(about %d minutes at 60 calls a minute)%s",
            self.name, len(keys), parent.stream, division, calls, len(keys),
            -(-len(keys) // 60), "" if left is None else f"; {left} calls left today",
        )
        if left is not None and len(keys) > left:
            self.logger.warning(
                "%s: not read in division %s: %d calls needed, %d left today above "
                "daily_call_reserve; run it after the daily reset or raise the budget",
                self.name, division, len(keys), left,
            )
            return
        try:
            for key in keys:
                self._key = key
                yield from super().read_partition(context)
        finally:
            self._key = None

    def shape(self, record: dict[str, Any]) -> dict[str, Any] | None:
        shaped = super().shape(record)
        if shaped is not None:
            shaped[self.key_parameter.name] = self._key
        return shaped

    def _refuse(self) -> None:
        if self._refusal_said:
            return
        self._refusal_said = True
        self.logger.warning(
            "%s: selected, but it answers for one %s at a time (one call per key of %s); it "
            "runs only when named in the %s setting: no rows",
            self.name, self.key_parameter.name, self.key_parameter.parent, SETTING,
        )

    def _parent_keys(self, parent: Entity, division: int | None) -> tuple[list[str], int]:
        endpoint = parent.read_endpoint()
        key = parent.key[0]
        query = Query(select=[key])
        if endpoint.kind == "sync":
            query.filter = "Timestamp gt 1L"
        keys: list[str] = []
        calls = 0
        for page in self.runtime.client.iter_pages(
            endpoint.path, division=division, query=query, endpoint=endpoint
        ):
            calls += 1
            keys.extend(str(r[key]) for r in page.records if r.get(key))
        return list(dict.fromkeys(keys)), calls

    def _calls_left(self, division: int | None) -> int | None:
        limiter = self.runtime.rate_limiter
        remaining = limiter.snapshot(division).remaining
        return None if remaining is None else max(0, remaining - limiter.daily_reserve)


def keyed(classes: list[type[ExactStream]]) -> list[type[ExactStream]]:
    """The stream classes, keyed functions replaced by their per-key reading subclass."""
    params = keyed_function_streams()
    out: list[type[ExactStream]] = []
    for cls in classes:
        param = params.get(cls.entity.stream)
        if param is None or not issubclass(cls, FunctionStream):
            out.append(cls)
            continue
        attrs = {"__module__": __name__, "key_parameter": param, "primary_keys": param.row_key}
        out.append(type(cls.__name__, (KeyedFunctionStream, cls), attrs))
    return out
