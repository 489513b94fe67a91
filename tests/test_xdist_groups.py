"""`--dist loadgroup` really groups: tests sharing a Meltano project, a dbt target or a sandbox
rely on their xdist_group to run on one worker (see pyproject.toml's pytest pin)."""

from __future__ import annotations

import pytest


@pytest.mark.xdist_group("xdist-guard")
def test_loadgroup_keeps_the_group_of_a_test(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not a worker of pytest -n --dist loadgroup")
    # pytest-xdist marks the group in the node id; without it the group is ignored.
    assert request.node.nodeid.endswith("@xdist-guard"), request.node.nodeid
