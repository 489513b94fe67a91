""".env.example lists every setting of both plugins under the name `--config ENV` reads."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT
from .test_meltano_yml import about

SDK_SETTINGS = {
    "stream_maps", "stream_map_config", "faker_config", "flattening_enabled",
    "flattening_max_depth", "flattening_max_key_length", "flattening_separator", "batch_config",
    "add_record_metadata", "load_method", "batch_size_rows", "validate_records",
}


@pytest.mark.parametrize(("command", "prefix"), [("tap-exact", "TAP_EXACT"),
                                                 ("target-exact", "TARGET_EXACT")])
def test_env_example_lists_every_setting(command: str, prefix: str) -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(rf"^(?:# )?{prefix}_([A-Z0-9_]+)=", text, flags=re.MULTILINE))
    settings = {name.upper() for name in about(command)["settings"]["properties"]} - {
        name.upper() for name in SDK_SETTINGS
    }
    assert listed == settings, (
        f"missing: {sorted(settings - listed)}; unknown: {sorted(listed - settings)}"
    )


def test_env_example_holds_no_secret_values() -> None:
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if re.match(r"^(?:# )?\w*(SECRET|TOKEN)=", line):
            assert line.split("=", 1)[1] == "", line
