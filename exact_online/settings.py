"""Connection settings shared by tap-exact and target-exact (--about, meltano.yml, .env.example).

Each plugin adds its own settings and passes its own defaults: singer-sdk fills schema defaults into
the config, so a default here would change the other plugin's behaviour. ``base_url`` has none on
purpose: a HotGlue ``auth_url`` on another country's host must be able to decide it
(``client.base_url_from_config``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from singer_sdk import typing as th


def connection_properties(
    *, required: bool = False, defaults: Mapping[str, Any] | None = None
) -> list[th.Property]:
    d = dict(defaults or {})

    def prop(name: str, kind: Any, description: str, **kw: Any) -> th.Property:
        if name in d:
            kw["default"] = d[name]
        return th.Property(name, kind, description=description, **kw)

    return [
        prop("base_url", th.StringType,
             "Exact host of the company's country, e.g. https://start.exactonline.nl or "
             "https://start.exactonline.be (no /api/v1). Default: the host of auth_url, else "
             "https://start.exactonline.nl."),
        prop("client_id", th.StringType, "OAuth client id of the Exact app.", required=required),
        prop("client_secret", th.StringType, "OAuth client secret of the Exact app.",
             secret=True, required=required),
        prop("refresh_token", th.StringType,
             "Seeds an EMPTY token store only (e.g. from `exact-auth`). Exact rotates the refresh "
             "token on every refresh; the current one lives in token_store_path.", secret=True),
        prop("token_store_path", th.StringType,
             "Token file shared by tap-exact, target-exact and exact-auth (JSON, mode 0600, "
             "locked across processes). Default ~/.config/exact-online/tokens-<client_id>.json."),
        prop("response_format", th.StringType,
             "json (Accept: application/json, default) or xml (Atom feeds).",
             allowed_values=["json", "xml"]),
        prop("daily_call_reserve", th.IntegerType,
             "Daily API calls per division left unused for other apps: the run stops before "
             "spending them."),
        prop("request_timeout", th.NumberType, "Seconds to wait for one HTTP answer."),
        prop("user_agent", th.StringType, "User-Agent header sent to Exact."),
        prop("ca_file", th.StringType,
             "CA bundle to verify the server with (sandbox --tls, TLS-inspecting proxies)."),
        # HotGlue keys, accepted so its users can switch executables.
        prop("auth_url", th.StringType,
             "HotGlue alias: token URL; its host is used when base_url is not set."),
        prop("access_token", th.StringType,
             "HotGlue alias: with expires_in and refresh_token, seeds an EMPTY token store so the "
             "first call needs no refresh; afterwards the token store wins.", secret=True),
        prop("expires_in", th.StringType,
             "HotGlue alias: expiry of access_token, epoch seconds (HotGlue) or seconds from now "
             "(Exact's token answer)."),
    ]


def relax_types(schema: dict[str, Any]) -> dict[str, Any]:
    """HotGlue configs write expires_in as a number, Exact's token answer as a string: take both."""
    schema["properties"]["expires_in"]["type"] = ["string", "integer", "number", "null"]
    return schema
