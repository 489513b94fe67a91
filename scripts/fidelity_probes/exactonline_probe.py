"""Runs INSIDE a throwaway venv with ossobv's ``exactonline`` library (PyPI ``exactonline``).

Usage: python exactonline_probe.py INI_FILE AUTH_CODE QUERIES_JSON
Exchanges the authorization code with the library's own ``request_token``, then runs each
query with the library's ``rest``/``restv1`` (which follows ``__next``) and prints
``{"name": row count or "error: ..."}`` as JSON. Only configuration is ours (the INI file).
"""

import json
import sys

from exactonline.api import ExactApi
from exactonline.resource import GET
from exactonline.storage.ini import IniStorage


def main() -> None:
    ini, code, queries_file = sys.argv[1:4]
    with open(queries_file) as fh:
        queries = json.load(fh)
    api = ExactApi(storage=IniStorage(ini))
    api.request_token(code)
    out = {}
    for name, spec in queries.items():
        try:
            if spec["kind"] == "rest":
                rows = api.rest(GET(spec["resource"]))
            elif spec["kind"] == "relation_by_code":
                api.storage.set_division(spec["division"])
                rows = api.relations.filter(relation_code=spec["code"])
            else:
                raise ValueError(spec["kind"])
            out[name] = len(rows) if isinstance(rows, list) else 1
        except Exception as exc:  # noqa: BLE001 - report any client failure, keep probing
            out[name] = f"error: {type(exc).__name__}: {str(exc)[:300]}"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
