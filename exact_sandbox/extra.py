"""What the ``[sandbox]`` extra installs, and a check that it is there (standard library only, so
the check itself works without the extra)."""

from __future__ import annotations

import importlib.util

# import name -> distribution; the server needs all three, nothing in the tap, target or client does
EXTRA_MODULES = {"werkzeug": "werkzeug", "odata_query": "odata-query", "trustme": "trustme"}
INSTALL_HINT = "pip install 'tap-exact-online[sandbox]'"


def missing_extra() -> list[str]:
    """Distributions of the extra that cannot be imported (empty when the sandbox can run)."""
    return [dist for module, dist in EXTRA_MODULES.items() if not _importable(module)]


def missing_extra_message() -> str | None:
    """One line telling what to install, or None when nothing is missing."""
    missing = missing_extra()
    if not missing:
        return None
    return (
        f"exact-sandbox needs the [sandbox] extra ({', '.join(missing)} missing): {INSTALL_HINT}"
    )


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
