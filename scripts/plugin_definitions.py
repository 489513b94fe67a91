"""Meltano plugin definitions of tap-exact and target-exact, generated from their ``--about``.

    python -m scripts.plugin_definitions           # write plugins/*/ (definitions and locks)
    python -m scripts.plugin_definitions --check   # exit 1 when a file is not current

For each plugin two files under ``plugins/<type>s/``, the layout Meltano itself uses:

- ``<name>--<variant>.yml``: the definition in Meltano Hub's syntax, for users:
  ``meltano add extractor tap-exact --from-ref <this file or its URL>``, or copied by hand;
- ``<name>--<variant>.lock``: the same definition as Meltano's lock file (JSON), which the repo's
  ``meltano.yml`` uses (its entries name the variant, so Meltano reads the lock, never the Hub).

Capabilities, setting kinds, ``sensitive``, descriptions and defaults come from ``--about`` and
nowhere else (tests/pipeline/test_plugin_definitions.py compares them). ``hidden`` marks the
HotGlue compatibility keys (descriptions starting with "HotGlue"); the tap's definition carries the
starter ``select`` (the seed streams), so a project added with ``--from-ref`` reads those, not
every stream.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tap_exact.seed_streams import SEED_001_STREAMS

from .planning import SOURCE_STREAMS as PLANNING_SOURCE_STREAMS

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
VARIANT = "exact-online"
# The distribution both plugins are in. Users point pip_url at a git URL or a checkout instead
# (docs/meltano.md); set REPOSITORY once the project's public repository is known.
PIP_URL = "tap-exact-online"
REPOSITORY: str | None = None
NAMESPACE = {"tap-exact": "tap_exact", "target-exact": "target_exact"}
PLUGIN_TYPE = {"tap-exact": "extractors", "target-exact": "loaders"}
MODULE = {"tap-exact": "tap_exact", "target-exact": "target_exact"}
LABEL = "Exact Online"
DESCRIPTION = {
    "tap-exact": "Every readable Exact Online table, incremental through the Sync API.",
    "target-exact": "Writes buy orders, shop orders, warehouse transfers and more to Exact "
    "Online, idempotently.",
}
DOCS = {"tap-exact": "docs/meltano.md", "target-exact": "docs/meltano.md"}
HIDDEN_PREFIX = "HotGlue"


def about(name: str) -> dict[str, Any]:
    """``<plugin> --about --format json`` of the code in this checkout."""
    result = subprocess.run(
        [sys.executable, "-m", MODULE[name], "--about", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=True, cwd=ROOT,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def setting_kind(schema: dict[str, Any]) -> str:
    """Meltano's ``kind`` for one JSON-schema property of ``--about``."""
    types = schema.get("type") or []
    types = [types] if isinstance(types, str) else list(types)
    if "enum" in schema:
        return "options"
    for json_type, kind in (("integer", "integer"), ("number", "decimal"),
                            ("boolean", "boolean"), ("array", "array"), ("object", "object")):
        if json_type in types:
            return kind
    if schema.get("format") == "date-time":
        return "date_iso8601"
    return "string"


def setting(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "kind": setting_kind(schema)}
    if "default" in schema and schema["default"] is not None:
        entry["value"] = schema["default"]
    if "enum" in schema:
        entry["options"] = [{"label": str(v), "value": v} for v in schema["enum"] if v is not None]
    if schema.get("secret") or schema.get("writeOnly"):
        entry["sensitive"] = True
    description = str(schema.get("description") or "")
    if description.startswith(HIDDEN_PREFIX):
        entry["hidden"] = True
    entry["description"] = description
    return entry


def definition(name: str, info: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Hub-syntax definition of ``name`` built from its ``--about``."""
    info = info or about(name)
    settings = info["settings"]
    plugin: dict[str, Any] = {
        "name": name,
        "variant": VARIANT,
        "namespace": NAMESPACE[name],
        "label": LABEL,
        "description": DESCRIPTION[name],
    }
    if REPOSITORY:
        plugin["docs"] = f"{REPOSITORY}/blob/main/{DOCS[name]}"
        plugin["repo"] = REPOSITORY
    plugin.update({
        "pip_url": f"git+{REPOSITORY}" if REPOSITORY else PIP_URL,
        "executable": name,
        "capabilities": list(info["capabilities"]),
    })
    required = list(settings.get("required") or [])
    if required:
        plugin["settings_group_validation"] = [required]
    plugin["settings"] = [setting(k, v) for k, v in settings["properties"].items()]
    if name == "tap-exact":
        plugin["select"] = starter_select()
    return plugin


def starter_select() -> list[str]:
    """The documented default ``select`` (docs/meltano.md): the seed use case's 27 streams, then
    the other tables the planning model reads (its price lists), so ``dbt-duckdb:build`` finds
    every source it declares."""
    extra = [s for s in PLANNING_SOURCE_STREAMS if s not in SEED_001_STREAMS]
    return [f"{stream}.*" for stream in (*SEED_001_STREAMS, *extra)]


def lock(plugin: dict[str, Any]) -> dict[str, Any]:
    """Meltano's lock file of a definition (StandalonePlugin: the definition plus its type)."""
    plugin_type = PLUGIN_TYPE[plugin["name"]]
    return {"plugin_type": plugin_type, **plugin}


HEADER = (
    "# Generated by `python -m scripts.plugin_definitions` from `{name} --about`: do not edit.\n"
    "# Meltano Hub syntax. Add to your project: meltano add {kind} {name} --from-ref <this file>\n"
    "# (docs/meltano.md: pip_url for a git URL or a local checkout, and a starter select).\n"
)


def rendered(name: str, info: dict[str, Any] | None = None) -> dict[Path, str]:
    """The two files of ``name``: path -> text."""
    plugin = definition(name, info)
    folder = PLUGINS / PLUGIN_TYPE[name]
    stem = f"{name}--{VARIANT}"
    kind = PLUGIN_TYPE[name].removesuffix("s")
    text = HEADER.format(name=name, kind=kind) + yaml.safe_dump(
        plugin, sort_keys=False, allow_unicode=True, width=100
    )
    return {
        folder / f"{stem}.yml": text,
        folder / f"{stem}.lock": json.dumps(lock(plugin), indent=2) + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for name in NAMESPACE:
        for path, text in rendered(name).items():
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current == text:
                continue
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if stale:
        print(("not current: " if args.check else "written: ") + ", ".join(stale))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
