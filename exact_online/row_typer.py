"""One straight-line function per endpoint that types the rows of a JSON page in place.

A 1,000-row TransactionLines page has ~45 fields to check per row. Looping over a table of
``(name, converter, native type)`` costs a tuple unpack, a loop step and often a call per field;
the same checks written out once per endpoint, with every name a local of the function, take
about half the time (docs/benchmarks.md). The generated code does exactly what the loop did:
``None`` stays ``None``, a value already of the native type is kept, a date text is looked up in
the memo before it is parsed, a GUID text is lower-cased, anything else goes to its converter.
A converter that raises hands the row to ``slow`` (which names the field), as before.

The source is built only from the registry's field names, each written as a string literal with
``repr``; no value of an answer ever reaches ``exec``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]
RowsTyper = Callable[[list[Row], Callable[[Row], Any]], None]


@dataclass(frozen=True)
class FieldTyping:
    """How one field is typed: its converter and the shortcut that avoids calling it."""

    name: str
    converter: Callable[[Any], Any]
    native: type | None = None  # a value of exactly this type is kept as it is
    memo: dict[str, Any] | None = None  # parsed values by their text (dates)
    lower: bool = False  # a str value is lower-cased (GUIDs); other types go to the converter


def compile_row_typer(fields: Sequence[FieldTyping]) -> RowsTyper:
    """``typer(rows, slow)``: types every row of ``rows`` in place; ``slow(row)`` on an error."""
    env: dict[str, Any] = {"_str": str}
    body: list[str] = []
    for i, f in enumerate(fields):
        key = repr(f.name)
        env[f"c{i}"] = f.converter
        body.append(f"        v = get({key})")
        if f.memo is not None:
            env[f"m{i}"] = f.memo.get
            body += [
                "        if v is not None:",
                f"            d = m{i}(v) if type(v) is _str else None",
                f"            row[{key}] = d if d is not None else c{i}(v)",
            ]
        elif f.lower:
            body += [
                "        if type(v) is _str:",
                f"            row[{key}] = v.lower()",
                "        elif v is not None:",
                f"            row[{key}] = c{i}(v)",
            ]
        elif f.native is not None:
            env[f"n{i}"] = f.native
            body += [
                f"        if v is not None and type(v) is not n{i}:",
                f"            row[{key}] = c{i}(v)",
            ]
        else:
            body += ["        if v is not None:", f"            row[{key}] = c{i}(v)"]
    names = ", ".join(f"{k}={k}" for k in env)
    lines = [
        f"def typer(rows, slow, {names}):",
        "    for row in rows:",
        "      try:",
        "        get = row.get",
        *(body or ["        pass"]),
        "      except (ValueError, TypeError, OverflowError):",
        "        slow(row)",
    ]
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), "<row_typer>", "exec"), env, namespace)
    typer: RowsTyper = namespace["typer"]
    return typer
