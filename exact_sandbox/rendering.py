"""JSON, Atom XML and error bodies, typed per registry field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import msgspec

from .edm import xml_text

NS_D = "http://schemas.microsoft.com/ado/2007/08/dataservices"
NS_M = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
NS_ATOM = "http://www.w3.org/2005/Atom"
JSON_TYPE = "application/json; charset=utf-8"
ATOM_TYPE = "application/atom+xml;type=feed; charset=utf-8"
ENTRY_TYPE = "application/atom+xml;type=entry; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"

_encode = msgspec.json.Encoder().encode


@dataclass
class Nested:
    """An expanded line collection of one record (already rendered as field lists)."""

    name: str
    records: list[RenderedRecord]


@dataclass
class RenderedRecord:
    uri: str
    type_name: str
    fields: list[tuple[str, str]]  # (name, edm type) to render, in order
    data: dict[str, Any]  # stored values; "Timestamp" comes from ts
    ts: int
    nested: list[Nested]
    deferred: list[str]  # navigation fields not expanded

    @property
    def values(self) -> list[tuple[str, str, Any]]:
        data, ts = self.data, self.ts
        return [(n, edm, ts if n == "Timestamp" else data.get(n)) for n, edm in self.fields]


def _date(v: Any) -> Any:
    return f"/Date({v})/" if isinstance(v, int) else v


def _byte(v: Any) -> Any:
    return int(v) if isinstance(v, bool) else v


_JSON_CONVERT: dict[str, Callable[[Any], Any]] = {
    "Edm.DateTime": _date,
    "Edm.Int64": str,
    "Edm.Byte": _byte,
}


def _plan(
    fields: list[tuple[str, str]],
) -> tuple[list[str], list[tuple[str, Callable[[Any], Any]]]]:
    names = [name for name, _ in fields]
    typed = [(name, _JSON_CONVERT[edm]) for name, edm in fields if edm in _JSON_CONVERT]
    return names, typed


def record_json(
    rec: RenderedRecord,
    plan: tuple[list[str], list[tuple[str, Callable[[Any], Any]]]] | None = None,
) -> dict[str, Any]:
    """The hot path of every JSON page: one dict comprehension, then the few typed conversions."""
    names, typed = plan if plan is not None else _plan(rec.fields)
    get = rec.data.get
    out: dict[str, Any] = {"__metadata": {"uri": rec.uri, "type": rec.type_name}}
    out.update({name: get(name) for name in names})
    for name, conv in typed:
        value = rec.ts if name == "Timestamp" else out[name]
        if value is not None:
            out[name] = conv(value)
    for name in rec.deferred:
        out[name] = {"__deferred": {"uri": f"{rec.uri}/{name}"}}
    for nested in rec.nested:
        out[nested.name] = {"results": [record_json(r) for r in nested.records]}
    return out


def json_feed(records: Sequence[RenderedRecord], next_url: str | None, count: int | None) -> bytes:
    plans: dict[int, Any] = {}
    results = []
    for r in records:
        plan = plans.get(id(r.fields))
        if plan is None:
            plan = plans[id(r.fields)] = _plan(r.fields)
        results.append(record_json(r, plan))
    d: dict[str, Any] = {"results": results}
    if count is not None:
        d["__count"] = str(count)
    if next_url:
        d["__next"] = next_url
    return _encode({"d": d})


@dataclass(frozen=True)
class RowPlan:
    """How to turn stored JSON rows straight into one endpoint's JSON rows (the sync/bulk hot path).

    A msgspec Struct with one field per selected property (attribute ``f<i>`` renamed to the
    property) decodes only those properties from the stored text, in order, nulls for the
    missing; then the few typed fields are converted. No per-row dict of the whole union."""

    decode: Callable[[str], Any]
    dates: tuple[str, ...]
    int64: tuple[str, ...]
    bytes_: tuple[str, ...]
    timestamp: str | None  # attribute of a selected Timestamp (it comes from the row's ts)
    timestamp_as_text: bool


@lru_cache(maxsize=256)
def row_plan(fields: tuple[tuple[str, str], ...]) -> RowPlan:
    attrs = [f"f{i}" for i in range(len(fields))]
    struct = msgspec.defstruct(
        "ExactRow",
        [("meta", Any, None), *((a, Any, None) for a in attrs)],
        rename={
            "meta": "__metadata",
            **{a: name for a, (name, _) in zip(attrs, fields, strict=True)},
        },
    )
    by_type: dict[str, list[str]] = {}
    timestamp, ts_edm = None, ""
    for attr, (name, edm) in zip(attrs, fields, strict=True):
        if name == "Timestamp":
            timestamp, ts_edm = attr, edm
        else:
            by_type.setdefault(edm, []).append(attr)
    return RowPlan(
        msgspec.json.Decoder(struct).decode,
        tuple(by_type.get("Edm.DateTime", ())),
        tuple(by_type.get("Edm.Int64", ())),
        tuple(by_type.get("Edm.Byte", ())),
        timestamp,
        ts_edm == "Edm.Int64",
    )


def json_feed_rows(
    plan: RowPlan,
    rows: Sequence[tuple[str, int, str]],
    type_name: str,
    next_url: str | None,
    count: int | None,
) -> bytes:
    """A JSON page from stored rows (uri, ts, stored JSON text); same output as ``json_feed``."""
    decode, dates, int64, bytes_ = plan.decode, plan.dates, plan.int64, plan.bytes_
    timestamp, ts_text = plan.timestamp, plan.timestamp_as_text
    results = []
    for uri, ts, text in rows:
        obj = decode(text)
        obj.meta = {"uri": uri, "type": type_name}
        for attr in dates:
            value = getattr(obj, attr)
            if value.__class__ is int:
                setattr(obj, attr, f"/Date({value})/")
        for attr in int64:
            value = getattr(obj, attr)
            if value is not None:
                setattr(obj, attr, str(value))
        for attr in bytes_:
            value = getattr(obj, attr)
            if value.__class__ is bool:
                setattr(obj, attr, int(value))
        if timestamp is not None:
            setattr(obj, timestamp, str(ts) if ts_text else ts)
        results.append(obj)
    d: dict[str, Any] = {"results": results}
    if count is not None:
        d["__count"] = str(count)
    if next_url:
        d["__next"] = next_url
    return _encode({"d": d})


def json_entry(record: RenderedRecord) -> bytes:
    return _encode({"d": record_json(record)})


def json_error(message: str, code: str = "") -> bytes:
    return _encode({"error": {"code": code, "message": {"lang": "", "value": message}}})


def xml_error(message: str, code: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<error xmlns="{NS_M}"><code>{escape(code)}</code>'
        f'<message xml:lang="en-US">{escape(message)}</message></error>'
    ).encode()


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _properties(rec: RenderedRecord) -> str:
    parts = ["<m:properties>"]
    for name, edm, value in rec.values:
        typ = "" if edm == "Edm.String" else f' m:type="{edm}"'
        if value is None:
            parts.append(f'<d:{name}{typ} m:null="true" />')
        else:
            parts.append(f"<d:{name}{typ}>{escape(xml_text(edm, value))}</d:{name}>")
    parts.append("</m:properties>")
    return "".join(parts)


def _entry(rec: RenderedRecord, root: bool = False) -> str:
    ns = f' xmlns="{NS_ATOM}" xmlns:d="{NS_D}" xmlns:m="{NS_M}"' if root else ""
    parts = [
        f"<entry{ns}><id>{escape(rec.uri)}</id>",
        f'<category term={quoteattr(rec.type_name)} scheme="{NS_D}/scheme" />',
        f'<link rel="edit" title={quoteattr(rec.type_name.rsplit(".", 1)[-1])} '
        f"href={quoteattr(rec.uri)} />",
    ]
    for name in rec.deferred:
        parts.append(
            f'<link rel="{NS_D}/related/{name}" '
            f'type="application/atom+xml;type=feed" title="{name}"'
            f" href={quoteattr(rec.uri + '/' + name)} />"
        )
    for nested in rec.nested:
        inner = "".join(_entry(r) for r in nested.records)
        parts.append(
            f'<link rel="{NS_D}/related/{nested.name}" type="application/atom+xml;type=feed"'
            f' title="{nested.name}" href={quoteattr(rec.uri + "/" + nested.name)}>'
            "<m:inline><feed><title "
            f'type="text">{nested.name}</title>{inner}</feed></m:inline></link>'
        )
    parts.append(
        f"<title /><updated>{_now_iso()}</updated><author><name /></author>"
        f'<content type="application/xml">{_properties(rec)}</content></entry>'
    )
    return "".join(parts)


def atom_feed(
    title: str,
    self_url: str,
    records: Sequence[RenderedRecord],
    next_url: str | None,
    count: int | None,
) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{NS_ATOM}" xmlns:d="{NS_D}" xmlns:m="{NS_M}">',
        f'<title type="text">{escape(title)}</title><id>{escape(self_url)}</id>',
        f'<updated>{_now_iso()}</updated><link rel="self" '
        f"title={quoteattr(title)} href={quoteattr(title)} />",
    ]
    if count is not None:
        parts.append(f"<m:count>{count}</m:count>")
    parts.extend(_entry(r) for r in records)
    if next_url:
        parts.append(f'<link rel="next" href={quoteattr(next_url)} />')
    parts.append("</feed>")
    return "".join(parts).encode("utf-8")


def atom_entry(record: RenderedRecord) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?>' + _entry(record, root=True)).encode("utf-8")


def function_xml(name: str, records: Sequence[RenderedRecord]) -> bytes:
    """Function endpoints answer plain XML (not Atom): one <d:element> per result."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<d:{name} xmlns:d="{NS_D}" xmlns:m="{NS_M}">',
    ]
    for rec in records:
        parts.append("<d:element m:type=" + quoteattr(rec.type_name) + ">")
        for field_name, edm, value in rec.values:
            typ = "" if edm == "Edm.String" else f' m:type="{edm}"'
            if value is None:
                parts.append(f'<d:{field_name}{typ} m:null="true" />')
            else:
                parts.append(
                    f"<d:{field_name}{typ}>{escape(xml_text(edm, value))}</d:{field_name}>"
                )
        parts.append("</d:element>")
    parts.append(f"</d:{name}>")
    return "".join(parts).encode("utf-8")
