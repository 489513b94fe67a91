"""Safe selection: function endpoints, current/Me and the per-user system/* tables run only when
``opt_in_streams`` names them, whatever the catalog selects; one line says what was skipped. The
API calls of each case are counted by the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tap_exact.selection import opt_in_reason, opt_in_streams
from tap_exact.tap import TapExact

from .conftest import path_calls, run_tap

OPT_IN = ["account_documents", "me", "system_divisions"]


def test_which_streams_are_opt_in() -> None:
    tap = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    names = set(opt_in_streams(tap.streams.values()))
    # function endpoints but the 3 keyed ones (opt-in: keyed_functions), current/Me, system/*
    assert len(names) == 97 - 3 + 1 + 5
    assert opt_in_reason(tap.streams["item_extra_field"]) is None
    assert opt_in_reason(tap.streams["me"]) == "current user"
    assert opt_in_reason(tap.streams["account_documents"]) == "function endpoint"
    assert opt_in_reason(tap.streams["system_divisions"]) == "per-user table"
    assert opt_in_reason(tap.streams["items"]) is None


def _calls(sandbox: Any) -> dict[str, int]:
    calls = sandbox.calls()
    return {
        "total": int(calls["total"]),
        "documents": path_calls(calls, "/read/crm/AccountDocuments"),
        "me": path_calls(calls, "/current/Me"),
    }


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in after}


def test_selected_opt_in_streams_are_not_read_unless_named(sandbox: Any, tmp_path: Path) -> None:
    divisions = len(sandbox.divisions_list)
    before = _calls(sandbox)
    plain = run_tap(sandbox, tmp_path, ["items"])
    assert plain.returncode == 0, plain.stderr[-3000:]
    items_only = _delta(_calls(sandbox), before)

    before = _calls(sandbox)
    guarded = run_tap(sandbox, tmp_path, ["items", *OPT_IN])
    assert guarded.returncode == 0, guarded.stderr[-3000:]
    assert _delta(_calls(sandbox), before) == items_only  # not one call more
    assert set(guarded.records) == {"items"}
    lines = [line for line in guarded.stderr.splitlines() if "Opt-in streams" in line]
    assert len(lines) == 1
    assert "1 current user (me)" in lines[0]
    assert "1 function endpoint (account_documents)" in lines[0]
    assert "1 per-user table (system_divisions)" in lines[0] and "opt_in_streams" in lines[0]

    before = _calls(sandbox)
    named = run_tap(sandbox, tmp_path, ["items", *OPT_IN], opt_in_streams=["account_documents"])
    assert named.returncode == 0, named.stderr[-3000:]
    delta = _delta(_calls(sandbox), before)
    # One call per division for the function stream; me and system_divisions still skipped.
    assert delta["documents"] == divisions
    assert delta["total"] == items_only["total"] + divisions
    assert "me" not in named.records and "system_divisions" not in named.records

    before = _calls(sandbox)
    everything = run_tap(sandbox, tmp_path, ["items", *OPT_IN], opt_in_streams=["*"])
    assert everything.returncode == 0, everything.stderr[-3000:]
    delta = _delta(_calls(sandbox), before)
    assert delta["documents"] == divisions and everything.records.get("me")
    assert delta["me"] >= 1 + items_only["me"]
    assert "Opt-in streams" not in everything.stderr
