"""Rate-limit waits in Exact's time: the clock-skew estimate from ``Date`` headers and the floor
after a 429 (pure arithmetic with an injected clock; the sandbox test is
tests/reliability/test_r17_clock_skew.py)."""

from __future__ import annotations

from email.utils import formatdate

import requests

from exact_online.ratelimit import (
    BACKOFF_CAP,
    MIN_WAIT_AFTER_429,
    ClockSkew,
    RateLimiter,
)

OURS = 1_800_000_000.0  # our clock, fixed
DIV = 3001001


def answer(status: int = 200, server_now: float | None = OURS, **headers: str) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    if server_now is not None:
        resp.headers["Date"] = formatdate(server_now, usegmt=True)
    resp.headers.update(headers)
    return resp


def minutely(remaining: int, reset_at: float) -> dict[str, str]:
    return {
        "X-RateLimit-Minutely-Limit": "60",
        "X-RateLimit-Minutely-Remaining": str(remaining),
        "X-RateLimit-Minutely-Reset": str(int(reset_at * 1000)),
    }


def limiter(waits: list[float]) -> RateLimiter:
    return RateLimiter(clock=lambda: OURS, sleep=waits.append)


def test_one_odd_date_header_does_not_move_the_estimate() -> None:
    skew = ClockSkew()
    skew.observe(formatdate(OURS - 150, usegmt=True), OURS)
    assert skew.seconds == -150
    skew.observe(formatdate(OURS + 3600, usegmt=True), OURS)  # a stale proxy, say
    assert skew.seconds == -150
    skew.observe(formatdate(OURS - 150, usegmt=True), OURS)
    skew.observe("not a date", OURS)  # unreadable: ignored
    assert skew.seconds == -150


def test_two_agreeing_headers_move_the_estimate() -> None:
    skew = ClockSkew()
    skew.observe(formatdate(OURS, usegmt=True), OURS)
    for _ in range(2):
        skew.observe(formatdate(OURS + 40, usegmt=True), OURS)
    assert skew.seconds == 40


def test_our_clock_ahead_the_minute_wait_is_counted_in_exacts_time() -> None:
    """Issue 16 item 5: our clock 150 s ahead; Exact's reset is 20 s away in ITS time."""
    waits: list[float] = []
    rl = limiter(waits)
    server_now = OURS - 150
    rl.observe(DIV, answer(server_now=server_now, **minutely(0, server_now + 20)))
    rl.before_request(DIV)
    assert waits == [20.0]


def test_429_in_the_past_by_our_clock_still_waits_for_exacts_reset() -> None:
    waits: list[float] = []
    rl = limiter(waits)
    server_now = OURS - 150
    limited = answer(429, server_now=server_now, **minutely(0, server_now + 30))
    rl.observe(DIV, limited)
    assert rl.wait_after_429(DIV, limited) == 30.0


def test_our_clock_behind_waits_are_not_stretched_to_the_cap() -> None:
    waits: list[float] = []
    rl = limiter(waits)
    server_now = OURS + 150  # the reset looks 160 s away by our clock
    rl.observe(DIV, answer(server_now=server_now, **minutely(0, server_now + 10)))
    rl.before_request(DIV)
    assert waits == [10.0]


def test_the_floor_after_429_doubles_and_is_capped_by_the_minute() -> None:
    rl = limiter([])
    # Headers say the reset has passed (a skew we could not see: no Date header).
    limited = answer(429, server_now=None, **minutely(0, OURS - 5))
    rl.observe(DIV, limited)
    got = [rl.wait_after_429(DIV, limited) for _ in range(6)]
    assert got == [3.0, 6.0, 12.0, 24.0, 48.0, BACKOFF_CAP]
    assert got[0] == MIN_WAIT_AFTER_429
    assert sum(got[:5]) > 60  # five consecutive 429s span a whole minute window
    rl.observe(DIV, answer(200))  # a success resets the doubling
    assert rl.wait_after_429(DIV, limited) == MIN_WAIT_AFTER_429


def test_retry_after_below_the_floor_is_raised_to_it() -> None:
    rl = limiter([])
    limited = answer(429, **{"Retry-After": "0"})
    assert rl.wait_after_429(DIV, limited) == MIN_WAIT_AFTER_429
