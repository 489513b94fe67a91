"""Safe selection: costly and per-user streams run only when the ``opt_in_streams`` setting names
them, whatever the catalog's ``selected`` says.

Meltano's default ``select`` (``*.*``) marks every stream selected: with the 97 function endpoints
(``read/...``: one call each per division, most need parameters and answer 400), ``current/Me``
(the user, not company data) and the ``system/*`` tables (what the user sees, not a company's
data) a run costs hundreds of calls for nothing useful. Those streams are opt-in: they are
deselected before the sync unless ``opt_in_streams`` names them (or holds ``"*"``), and one line
says which were skipped and why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

OPT_IN_SETTING = "opt_in_streams"
ALL = "*"
PER_USER_SERVICE = "system"


def opt_in_reason(stream: Any) -> str | None:
    """Why ``stream`` runs only when named in ``opt_in_streams`` (None: it is not opt-in)."""
    entity = getattr(stream, "entity", None)
    endpoint = getattr(stream, "endpoint", None)
    if entity is None or endpoint is None:
        return None
    if getattr(stream, "key_parameter", None) is not None:
        # A keyed function (one call per parent key) has its own opt-in, keyed_functions, so
        # opt_in_streams: "*" never starts a call per item (tap_exact/keyed_functions.py).
        return None
    if endpoint.kind == "function":
        return "function endpoint"
    if endpoint.kind == "current":
        return "current user"
    if entity.service == PER_USER_SERVICE:
        return "per-user table"
    return None


def opt_in_streams(streams: Iterable[Any]) -> list[str]:
    """Names of the streams that are opt-in (docs, tests)."""
    return [s.name for s in streams if opt_in_reason(s) is not None]


def apply_opt_in(
    streams: Iterable[Any], named: frozenset[str], logger: logging.Logger
) -> list[str]:
    """Deselect every selected opt-in stream that ``named`` does not name; one line says which.

    Returns the names skipped.
    """
    if ALL in named:
        return []
    skipped: dict[str, list[str]] = {}
    for stream in streams:
        reason = opt_in_reason(stream)
        if reason is None or stream.name in named or not stream.selected:
            continue
        stream.selected = False  # the SDK's public setter: sync_all then skips it
        skipped.setdefault(reason, []).append(stream.name)
    if skipped:
        parts = "; ".join(
            f"{len(names)} {reason}{'s' if len(names) > 1 else ''} ({_few(names)})"
            for reason, names in sorted(skipped.items())
        )
        logger.info(
            "Opt-in streams selected in the catalog but not named in %s, not read: %s. Name "
            "them in %s to read them (docs/meltano.md, Choosing streams).",
            OPT_IN_SETTING, parts, OPT_IN_SETTING,
        )
    return [name for names in skipped.values() for name in names]


def _few(names: list[str], shown: int = 3) -> str:
    head = ", ".join(sorted(names)[:shown])
    return head + (f", ... {len(names) - shown} more" if len(names) > shown else "")
