"""Fault injection: which request gets which failure.

SPEC (``--faults`` and ``POST /_sandbox/faults`` ``{"spec": "..."}``): rules separated by ``;``,
each
``KIND[:opt=value,opt=value...]``.

KIND: a status ``500``/``502``/``503``/``504``/``408``/``429`` (429 has an empty body and Retry
headers),
``slow`` (answer after ``seconds``, default 2), ``hang`` (no answer for ``seconds``, default 30,
then the
connection is dropped), ``drop`` (the request IS applied, then the connection closes without an
answer),
``truncate`` (half the body, then the connection closes), ``badxml`` (invalid XML characters inside
string
values of the answer), ``skew`` (not per request: the sandbox's clock, and with it the rate-limit
headers and the HTTP ``Date`` header, runs ``seconds`` ahead of the real clock, negative = behind;
``skew:seconds=-150`` plays a client whose clock is 150 s ahead of Exact's).

Options: ``every=N`` (the Nth, 2Nth, … matching request), ``rate=P`` (probability, seeded RNG),
``after=N``
(skip the first N matching requests), ``times=N`` (fire at most N times),
``method=GET|POST|PUT|DELETE``,
``path=TEXT`` (case-insensitive substring of the path; default ``/api/v1/``, use
``/api/oauth2/token`` to
hit the token endpoint), ``seconds=S``. Without ``every``/``rate`` a rule fires on every matching
request.
Example: ``503:every=3,method=GET,path=/sync/;drop:method=POST,path=PurchaseOrders,times=1``.
The JSON form ``{"faults": [{"kind": "503", "every": 3, "path": "/sync/"}], "seed": 7}`` is
equivalent;
``{"faults": []}`` clears every rule.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock

KINDS = frozenset({"slow", "hang", "drop", "truncate", "badxml"})


class FaultSpecError(ValueError):
    pass


@dataclass
class FaultRule:
    kind: str
    every: int | None = None
    rate: float | None = None
    after: int = 0
    times: int | None = None
    method: str | None = None
    path: str = "/api/v1/"
    seconds: float | None = None
    seen: int = 0
    fired: int = 0

    @property
    def status(self) -> int | None:
        return int(self.kind) if self.kind.isdigit() else None

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _rule(raw: dict[str, Any]) -> FaultRule:
    kind = str(raw.get("kind", "")).lower()
    if kind in CLOCK_KINDS:
        return _clock_rule(raw)
    if not (kind in KINDS or (kind.isdigit() and 400 <= int(kind) <= 599)):
        raise FaultSpecError(f"unknown fault kind {kind!r}")
    try:
        rule = FaultRule(
            kind=kind,
            every=int(raw["every"]) if raw.get("every") is not None else None,
            rate=float(raw["rate"]) if raw.get("rate") is not None else None,
            after=int(raw.get("after") or 0),
            times=int(raw["times"]) if raw.get("times") is not None else None,
            method=str(raw["method"]).upper() if raw.get("method") else None,
            path=str(raw.get("path") or "/api/v1/"),
            seconds=float(raw["seconds"]) if raw.get("seconds") is not None else None,
        )
    except (TypeError, ValueError) as exc:
        raise FaultSpecError(f"bad option in fault {raw!r}: {exc}") from exc
    unknown = set(raw) - {"kind", "every", "rate", "after", "times", "method", "path", "seconds"}
    if unknown:
        raise FaultSpecError(f"unknown fault option(s) {sorted(unknown)}")
    if rule.every is not None and rule.every < 1:
        raise FaultSpecError("every must be >= 1")
    return rule


def parse_spec(spec: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for raw_part in spec.split(";"):
        part = raw_part.strip()
        if not part:
            continue
        kind, _, opts = part.partition(":")
        raw: dict[str, Any] = {"kind": kind.strip()}
        for opt in filter(None, (o.strip() for o in opts.split(","))):
            name, eq, value = opt.partition("=")
            if not eq:
                raise FaultSpecError(f"option {opt!r} needs a value")
            raw[name.strip()] = value.strip()
        rules.append(raw)
    return rules


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)
        self.clock: Clock | None = None  # bound by the Sandbox: the ``skew`` kind moves it

    def configure(self, rules: list[dict[str, Any]], seed: int | None = None) -> None:
        parsed = [_rule(r) for r in rules]
        with self._lock:
            self._rules = parsed
            if seed is not None:
                self._rng = random.Random(seed)
        apply_skew(self.clock, parsed)

    def configure_spec(self, spec: str, seed: int | None = None) -> None:
        self.configure(parse_spec(spec), seed)

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.describe() for r in self._rules]

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The first rule that fires for this request (every matching rule counts the request)."""
        chosen: FaultRule | None = None
        with self._lock:
            for rule in self._rules:
                if rule.kind in CLOCK_KINDS:
                    continue
                if rule.method and rule.method != method.upper():
                    continue
                if rule.path.lower() not in path.lower():
                    continue
                rule.seen += 1
                n = rule.seen - rule.after
                if n <= 0 or (rule.times is not None and rule.fired >= rule.times):
                    continue
                if rule.every is not None:
                    fires = n % rule.every == 0
                elif rule.rate is not None:
                    fires = self._rng.random() < rule.rate
                else:
                    fires = True
                if fires and chosen is None:
                    rule.fired += 1
                    chosen = rule
        return chosen


# ---- garbled 200 answers (issue 16) ------------------------------------------------------------
# Kinds that replace a 200 answer of the API with a complete but unusable one (a consistent
# Content-Length, the connection stays up): ``empty200`` (no body), ``badjson`` (the JSON cut in
# half), ``html200`` (an HTML maintenance page), ``wrongtype`` (the real body labelled text/html),
# ``emptyd`` (``{"d": {}}``), ``stringd`` (``{"d": "..."}``) and ``badimage`` (a picture or
# attachment from /docs/ cut in half, its Content-Type kept). Non-200 answers pass unchanged.

ANSWER_KINDS = frozenset(
    {"empty200", "badjson", "html200", "wrongtype", "emptyd", "stringd", "badimage"}
)
KINDS = KINDS | ANSWER_KINDS

_MAINTENANCE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Exact Online</title></head><body>"
    b"<h1>Exact Online is temporarily unavailable because of maintenance.</h1></body></html>"
)


def garbled_answer(kind: str, body: bytes, content_type: str) -> tuple[bytes, str]:
    """The (body, Content-Type) a garbling ``kind`` sends instead of a 200 ``body``."""
    json_type = "application/json; charset=utf-8"
    if kind == "empty200":
        return b"", content_type
    if kind == "badjson":
        return body[: max(len(body) // 2, 1)] if body else b'{"d": {"results": [', json_type
    if kind == "html200":
        return _MAINTENANCE_PAGE, "text/html; charset=utf-8"
    if kind == "wrongtype":
        return body, "text/html; charset=utf-8"
    if kind == "emptyd":
        return b'{"d": {}}', json_type
    if kind == "stringd":
        return b'{"d": "The service is temporarily unavailable."}', json_type
    if kind == "badimage":  # a binary cut in half, still labelled as what it was (path=/docs/)
        return body[: max(len(body) // 2, 1)], content_type
    raise FaultSpecError(f"not a garbling fault kind: {kind!r}")


# ---- clock skew: a rule for the whole server, not for requests ---------------------------------

CLOCK_KINDS = frozenset({"skew"})


def _clock_rule(raw: dict[str, Any]) -> FaultRule:
    unknown = set(raw) - {"kind", "seconds"}
    if unknown:
        raise FaultSpecError(f"skew takes only seconds=N, not {sorted(unknown)}")
    try:
        seconds = float(raw["seconds"])
    except (KeyError, TypeError, ValueError):
        raise FaultSpecError("skew needs seconds=N (negative: the sandbox runs behind)") from None
    return FaultRule(kind="skew", seconds=seconds, path="")


def apply_skew(clock: Clock | None, rules: list[FaultRule]) -> None:
    """Set the clock's skew from the ``skew`` rules (the last wins; none = no skew)."""
    if clock is None:
        return
    skews = [r.seconds or 0.0 for r in rules if r.kind in CLOCK_KINDS]
    clock.set_skew(skews[-1] if skews else 0.0)
