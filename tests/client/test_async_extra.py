"""Without the ``[async]`` extra (httpx), the sync client imports as always and the async client
says what to install. A subprocess whose imports of httpx fail stands in for a clean install."""

from __future__ import annotations

import subprocess
import sys

NO_HTTPX = """
import sys

class NoHttpx:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("httpx", "httpcore"):
            raise ImportError(f"{name} is not installed (blocked by the test)")
        return None

sys.meta_path.insert(0, NoHttpx())
import exact_online.client
import tap_exact.tap
import target_exact.target
try:
    import exact_online.async_client
except ImportError as exc:
    print(exc)
else:
    print("imported")
"""


def test_async_client_without_httpx_names_the_extra() -> None:
    done = subprocess.run(
        [sys.executable, "-c", NO_HTTPX], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == (
        "AsyncExactClient needs httpx: pip install 'tap-exact-online[async]'"
    )
