"""The web views' rate limit reads its rates like DRF does."""

import pytest

from moisson.throttle import parse_rate


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("60/minute", (60, 60)), ("5/s", (5, 1)), ("100/hour", (100, 3600)), ("1000/day", (1000, 86400))],
)
def test_a_rate_is_a_count_over_a_period_in_seconds(rate: str, expected: tuple[int, int]) -> None:
    assert parse_rate(rate) == expected
