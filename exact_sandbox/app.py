"""WSGI routing: OAuth, the REST API under /api/v1/, the test-control API under /_sandbox/."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from werkzeug.wrappers import Request, Response

from . import binaries
from .calls import CallLog
from .catalog import Catalog, catalog
from .clock import Clock
from .control import control
from .edm import local_literal_ms, to_wall_ms
from .faults import ANSWER_KINDS, FaultInjector, FaultRule, garbled_answer
from .keyed_functions import KeyedFunctions
from .limits import RateLimits
from .oauth import OAuth
from .reads import Page, QueryError, Reader, Selection
from .rendering import (
    ATOM_TYPE,
    ENTRY_TYPE,
    JSON_TYPE,
    XML_TYPE,
    Nested,
    RenderedRecord,
    atom_entry,
    atom_feed,
    function_xml,
    json_entry,
    json_error,
    json_feed,
    xml_error,
)
from .store import Row, Store
from .translations import Translations
from .writes import Writer

log = logging.getLogger("exact_sandbox")

_API = re.compile(r"^/api/v1/(?:(?P<beta>beta)/)?(?P<division>\d+)/(?P<rest>.+?)/?$")
_ONE = re.compile(r"^(?P<path>.+)\((?P<key>[^()]*)\)$")
_BAD_XML = "\x0b\x01"


class Sandbox:
    """The whole emulator as one WSGI application."""

    def __init__(
        self,
        store: Store,
        *,
        access_token_ttl: float = 600.0,
        rate_limits: bool = True,
        minutely_limit: int = 60,
        daily_limit: int = 5000,
        token_calls_per_day: int = 200,
        seed: int = 0,
        minute_seconds: float = 60.0,
    ) -> None:
        self.store = store
        self.clock: Clock = store.clock
        self.catalog: Catalog = catalog()
        self.oauth = OAuth(store, access_ttl=access_token_ttl, calls_per_day=token_calls_per_day)
        self.limits = RateLimits(
            self.clock,
            minutely=minutely_limit,
            daily=daily_limit,
            enabled=rate_limits,
            store=store,
            minute_seconds=minute_seconds,
        )
        self.faults = FaultInjector(seed)
        self.faults.clock = self.clock  # the ``skew`` fault kind
        self.revoked: set[int] = set()  # divisions the user lost access to (control API)
        self.calls = CallLog()
        self.reader = Reader(store, self.catalog)
        self.writer = Writer(store, self.catalog)
        self.translations = Translations(store, self.catalog)
        self.keyed_functions = KeyedFunctions(self.reader)
        self.base_url = ""
        self._write_lock = threading.Lock()

    # -- WSGI --------------------------------------------------------------------------------------
    # ----------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if path.startswith("/_sandbox/"):
            return control(self, request)(environ, start_response)
        if path.startswith("/docs/"):  # pictures, logos, attachments: binaries.py
            with self.calls.serving(binaries.division_of(request)):
                return self._serve(request, environ, start_response)
        if not path.startswith("/api/"):
            return Response("Not found", 404)(environ, start_response)
        with self.calls.serving(_division_of(path) if path.startswith("/api/v1/") else None):
            return self._serve(request, environ, start_response)

    def _serve(
        self, request: Request, environ: dict[str, Any], start_response: Any
    ) -> Iterable[bytes]:
        path = request.path
        fault = self.faults.pick(request.method, path)
        if fault is not None:
            early = self._early_fault(fault, request, environ)
            if early is not None:
                return early(environ, start_response)
        response = self.dispatch(request, bad_xml=fault is not None and fault.kind == "badxml")
        if fault is not None and fault.kind == "drop":
            _drop(environ)
            return []
        if fault is not None and fault.kind == "truncate":
            return _truncated(response, environ, start_response)
        if fault is not None and fault.kind in ANSWER_KINDS and response.status_code == 200:
            body, ctype = garbled_answer(
                fault.kind, response.get_data(), response.content_type or ""
            )
            response.set_data(body)  # sets a consistent Content-Length
            response.content_type = ctype
        return response(environ, start_response)

    def _early_fault(
        self, fault: FaultRule, request: Request, environ: dict[str, Any]
    ) -> Response | None:
        if fault.kind == "slow":
            time.sleep(fault.seconds if fault.seconds is not None else 2.0)
            return None
        if fault.kind == "hang":
            time.sleep(fault.seconds if fault.seconds is not None else 30.0)
            _drop(environ)
            return Response(b"", 500)
        status = fault.status
        if status is None:
            return None
        if request.path.startswith("/api/v1/"):
            self.calls.api(request.method, request.path, _division_of(request.path))
        elif request.path.startswith("/docs/"):
            self.calls.api(request.method, request.path, binaries.division_of(request))
        if status == 429:
            reset = str((int(self.clock.time() // 60) + 1) * 60 * 1000)
            return Response(
                b"",
                429,
                headers={
                    "X-RateLimit-Minutely-Limit": "60",
                    "X-RateLimit-Minutely-Remaining": "0",
                    "X-RateLimit-Minutely-Reset": reset,
                },
            )
        json_wanted = _wants_json(request)
        message = {500: "Internal server error", 503: "Service unavailable"}.get(
            status, "Server error"
        )
        body = json_error(message) if json_wanted else xml_error(message)
        return Response(body, status, content_type=JSON_TYPE if json_wanted else XML_TYPE)

    def dispatch(self, request: Request, *, bad_xml: bool = False) -> Response:
        path = request.path
        if path.startswith("/docs/"):
            return binaries.serve(self, request)
        if path == "/api/oauth2/auth":
            return self._authorize(request)
        if path == "/api/oauth2/token":
            return self._token(request)
        if not path.startswith("/api/v1/"):
            return Response("Not found", 404)
        json_wanted = _wants_json(request)
        division = _division_of(path)
        self.calls.api(request.method, path, division)
        if not self.oauth.check_access(request.headers.get("Authorization")):
            return _error(401, "Access token is missing, invalid or expired.", json_wanted)
        headers: dict[str, str] = {}
        if division is not None:
            verdict = self.limits.hit(self.oauth.client_id, division)
            headers = verdict.headers
            if not verdict.allowed:
                return Response(b"", 429, headers=headers)
        try:
            response = self._api(request, division, json_wanted, bad_xml)
        except QueryError as exc:
            response = _error(exc.status, exc.message, json_wanted)
        for k, v in headers.items():
            response.headers[k] = v
        binaries.absolute_links(response, self.base_url or request.host_url.rstrip("/"))
        return response

    # -- OAuth -------------------------------------------------------------------------------------
    # ----------
    def _authorize(self, request: Request) -> Response:
        status, where = self.oauth.authorize(
            request.args.get("client_id", ""),
            request.args.get("redirect_uri", ""),
            request.args.get("response_type", ""),
            request.args.get("state"),
        )
        if status == 302:
            return Response("", 302, headers={"Location": where})
        return Response(where, status)

    def _token(self, request: Request) -> Response:
        self.calls.token_call()
        if request.method != "POST":
            return Response("", 405)
        answer = self.oauth.token({k: v for k, v in request.form.items()})
        return Response(
            json.dumps(answer.body), answer.status, headers=answer.headers, content_type=JSON_TYPE
        )

    # -- REST --------------------------------------------------------------------------------------
    # ----------
    def _api(
        self, request: Request, division: int | None, json_wanted: bool, bad_xml: bool
    ) -> Response:
        path = request.path
        if path.rstrip("/").lower() == "/api/v1/current/me":
            return self._me(json_wanted)
        m = _API.match(path)
        if m is None or division is None:
            raise QueryError(404, "The requested resource could not be found.")
        if division not in self.store.divisions() or division in self.revoked:
            raise QueryError(403, "Forbidden - WrongDivision")
        rest = m.group("rest")
        count_only = False
        if rest.endswith("/$count"):
            rest, count_only = rest[: -len("/$count")], True
        key_text = None
        one = _ONE.match(rest)
        if one:
            rest, key_text = one.group("path"), one.group("key")
        template = ("beta/" if m.group("beta") else "") + "{division}/" + rest
        route = self.catalog.route(template)
        if route is None:
            raise QueryError(404, "The requested resource could not be found.")
        ep, entity = route.endpoint, route.entity
        method = request.method
        if method not in ep.methods:
            raise QueryError(405, f"The HTTP method {method} is not allowed on this endpoint.")
        base = self.base_url or request.host_url.rstrip("/")
        url_path = path[len("/api/v1/") :]
        if method == "GET":
            if entity.qualified_name == "read/sync/Sync/SyncTimestamp":
                return self._sync_timestamp(request, division, ep, entity, base, json_wanted)
            if key_text is None and self.keyed_functions.handles(entity.qualified_name):
                return self.keyed_functions.answer(
                    request.args, division, ep, entity, base, json_wanted
                )
            # CustomDescriptionLanguage: rows rendered one by one, their texts translated.
            language = self.translations.requested(request.headers)
            if language is not None and not self.translations.translates(entity.qualified_name):
                language = None
            if key_text is not None:
                rec = self.reader.one(
                    base=base,
                    division=division,
                    ep=ep,
                    entity=entity,
                    key_text=key_text,
                    args=request.args,
                )
                if language is not None:
                    self.translations.apply(division, entity.qualified_name, [rec], language)
                if bad_xml:
                    _poison([rec])
                if json_wanted:
                    return Response(json_entry(rec), 200, content_type=JSON_TYPE)
                return Response(atom_entry(rec), 200, content_type=ENTRY_TYPE)
            result = self.reader.collection(
                base=base,
                url_path=url_path,
                division=division,
                ep=ep,
                entity=entity,
                args=request.args,
                count_only=count_only,
                json_body=json_wanted and not bad_xml and language is None,
            )
            if isinstance(result, int):
                return Response(str(result), 200, content_type="text/plain; charset=utf-8")
            if language is not None:
                self.translations.apply(division, entity.qualified_name, result.records, language)
            return self._page(result, ep.kind, entity.name, f"{base}{path}", json_wanted, bad_xml)
        with self._write_lock:
            return self._write(request, method, division, ep, entity, key_text, base, json_wanted)

    def _write(  # noqa: PLR0917
        self,
        request: Request,
        method: str,
        division: int,
        ep: Any,
        entity: Any,
        key_text: str | None,
        base: str,
        json_wanted: bool,
    ) -> Response:
        if method == "DELETE":
            if key_text is None:
                raise QueryError(400, "DELETE needs a key: Entity(guid'…').")
            self.writer.delete(division, entity, key_text)
            return Response(b"", 204)
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            raise QueryError(400, "The request body is not valid JSON.") from None
        if method == "PUT":
            if key_text is None:
                raise QueryError(400, "PUT needs a key: Entity(guid'…').")
            self.writer.put(division, ep, entity, key_text, body)
            return Response(b"", 204)
        if key_text is not None:
            raise QueryError(405, "POST goes to the collection, not to a single record.")
        created = self.writer.post(division, ep, entity, body)
        rec = self._created_record(
            base,
            division,
            ep,
            entity,
            created,
            full="return=representation" in (request.headers.get("Prefer") or ""),
        )
        headers = {"Location": rec.uri}
        if json_wanted:
            return Response(json_entry(rec), 201, headers=headers, content_type=JSON_TYPE)
        return Response(atom_entry(rec), 201, headers=headers, content_type=ENTRY_TYPE)

    def _created_record(  # noqa: PLR0917
        self, base: str, division: int, ep: Any, entity: Any, created: dict[str, Any], full: bool
    ) -> RenderedRecord:
        key_field = self.catalog.key_field(entity.qualified_name)
        stored = {k: (to_wall_ms(v) if hasattr(v, "astimezone") else v) for k, v in created.items()}
        key = stored.get(key_field) if key_field else None

        row = Row(key, int(stored.get("Timestamp") or 0), stored)
        if not full:
            sel = Selection(
                [(key_field, ep.field_map[key_field].edm_type)]
                if key_field is not None and key_field in ep.field_map
                else []
            )
            return self.reader.render(base, division, ep, entity, row, sel)
        sel = self.reader.select_fields(ep, None, [])
        rec = self.reader.render(base, division, ep, entity, row, sel)
        rec.deferred = []

        for lc in self.catalog.lines(entity.qualified_name):
            line_entity = self.catalog.entity(lc.line_entity)
            line_ep = line_entity.plain
            if line_ep is None or lc.field not in ep.field_map:
                continue
            line_sel = self.reader.select_fields(line_ep, None, [])
            line_sel.deferred = []
            lines = []
            for ln in created.get(lc.field) or []:
                ls = {k: (to_wall_ms(v) if hasattr(v, "astimezone") else v) for k, v in ln.items()}
                lines.append(
                    self.reader.render(
                        base,
                        division,
                        line_ep,
                        line_entity,
                        Row(ls.get("ID"), int(ls.get("Timestamp") or 0), ls),
                        line_sel,
                    )
                )
            rec.nested.append(Nested(lc.field, lines))
        return rec

    def _page(  # noqa: PLR0917
        self, page: Page, kind: str, title: str, self_url: str, json_wanted: bool, bad_xml: bool
    ) -> Response:
        if page.json_body is not None:
            return Response(page.json_body, 200, content_type=JSON_TYPE)
        if bad_xml:
            _poison(page.records)
        if json_wanted:
            return Response(
                json_feed(page.records, page.next_url, page.count), 200, content_type=JSON_TYPE
            )
        if kind == "function":
            return Response(function_xml(title, page.records), 200, content_type=XML_TYPE)
        return Response(
            atom_feed(title, self_url, page.records, page.next_url, page.count),
            200,
            content_type=ATOM_TYPE,
        )

    def _me(self, json_wanted: bool) -> Response:
        route = self.catalog.route("current/Me")
        assert route is not None
        divisions = self.store.divisions()
        current = divisions[0] if divisions else 0
        values: dict[str, Any] = {
            "UserID": self.store.user_id,
            "CurrentDivision": current,
            "AccountingDivision": current,
            "DivisionCustomer": None,
            "FullName": "Sandbox User",
            "FirstName": "Sandbox",
            "LastName": "User",
            "Email": "sandbox@example.invalid",
            "UserName": "sandbox@example.invalid",
            "Language": "en-US",
            "LanguageCode": "en-US",
            "Legislation": 1,
            "ServerTime": self.clock.now().isoformat(),
            "ServerUtcOffset": 0.0,
            "IsClientUser": False,
            "IsStarterUser": False,
            "PackageCode": "SANDBOX",
        }

        ep = route.endpoint
        sel = Selection([(f.name, f.edm_type) for f in ep.scalar_fields])
        rec = self.reader.render(
            self.base_url,
            None,
            ep,
            route.entity,
            Row(self.store.user_id, 0, values),
            sel,
            (self.store.user_id, "Edm.Guid"),
        )
        rec.uri = f"{self.base_url}/api/v1/current/Me(guid'{self.store.user_id}')"
        page = Page([rec])
        return self._page(
            page, "current", "Me", f"{self.base_url}/api/v1/current/Me", json_wanted, False
        )

    def _sync_timestamp(  # noqa: PLR0917
        self, request: Request, division: int, ep: Any, entity: Any, base: str, json_wanted: bool
    ) -> Response:

        modified = (request.args.get("modified") or "").strip()
        endpoint = (
            (request.args.get("endPoint") or request.args.get("endpoint") or "").strip().strip("'")
        )
        m = re.fullmatch(r"datetime'([^']+)'", modified)
        if not m or not endpoint:
            raise QueryError(400, "Parameters modified=datetime'…' and endPoint='…' are required.")
        if endpoint in self.catalog.registry.no_sync_timestamp:
            raise QueryError(400, f"SyncTimestamp is not supported for endpoint '{endpoint}'.")
        target = next(
            (e for e in self.catalog.registry.entities if e.sync_timestamp_endpoint == endpoint),
            None,
        )
        if target is None:
            raise QueryError(400, f"Unknown endPoint '{endpoint}'.")
        try:
            since = local_literal_ms(m.group(1))
        except ValueError:
            raise QueryError(400, f"Invalid datetime '{m.group(1)}'.") from None
        # Computed over the rows the sync endpoint serves: the lines of line-grained entities.
        store_entity, header = target.qualified_name, None
        if target.line_grained:
            lc = self.catalog.lines(store_entity)[0]
            store_entity, header = lc.line_entity, (target.qualified_name, lc.link)
        first = self.store.first_ts_modified_since(division, store_entity, since, header=header)
        value = first - 1 if first is not None else self.store.current_ts(division)
        values = {"Modified": since, "API": endpoint, "TimeStampAsBigInt": value}
        sel = Selection([(f.name, f.edm_type) for f in ep.scalar_fields])
        rec = self.reader.render(
            base, division, ep, entity, Row(value, 0, values), sel, (value, "Edm.Int64")
        )
        return self._page(Page([rec]), "function", "SyncTimestamp", request.url, json_wanted, False)


def _division_of(path: str) -> int | None:
    m = _API.match(path)
    return int(m.group("division")) if m else None


def _wants_json(request: Request) -> bool:
    return "application/json" in (request.headers.get("Accept") or "").lower()


def _error(status: int, message: str, json_wanted: bool) -> Response:
    if json_wanted:
        return Response(json_error(message), status, content_type=JSON_TYPE)
    return Response(xml_error(message), status, content_type=XML_TYPE)


def _poison(records: list[RenderedRecord]) -> None:
    """Put characters XML 1.0 forbids into the first string value of each record."""
    for rec in records:
        rec.data = dict(rec.data)
        for name, edm in rec.fields:
            value = rec.data.get(name)
            if edm == "Edm.String" and isinstance(value, str):
                rec.data[name] = value + _BAD_XML
                break


def _drop(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _truncated(response: Response, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    body = response.get_data()
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    start_response(response.status, headers)
    yield body[: max(len(body) // 2, 1)]
    _drop(environ)
