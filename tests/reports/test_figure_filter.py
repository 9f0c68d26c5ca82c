"""The dashboards' fast figure formatter prints what floatformat prints."""

import random
from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation

from reports.figures import figure

EDGES = [
    0,
    1,
    -1,
    7,
    100,
    123456789,
    0.0,
    -0.0,
    0.5,
    1.5,
    2.5,
    -2.5,
    0.125,
    0.005,
    0.015,
    1.005,
    -0.001,
    -0.004,
    -0.005,
    33.333333,
    66.666666,
    99.995,
    99.994,
    1e-7,
    1e16,
    1.23e-10,
    12345678.905,
    Decimal("0"),
    Decimal("-0"),
    Decimal("0.00"),
    Decimal("-0.00"),
    Decimal("12.3450"),
    Decimal("12.3449"),
    Decimal("-12.345"),
    Decimal("85.0000"),
    Decimal("1E+3"),
    Decimal("1.5E+2"),
    Decimal("0.0049"),
    Decimal("-0.0049"),
    Decimal("99.9999"),
    Decimal("1234567890.1234"),
    None,
    "",
    "—",
    "12.5",
    "abc",
    float("inf"),
    float("nan"),
    Decimal("NaN"),
    Decimal("Infinity"),
]
PLACES = [0, 1, 2, 3, -1, -2, -3, "0", "1", "-2", "2g", "1u"]


def _randoms():
    rng = random.Random(20240601)
    out = []
    for _ in range(3000):
        whole = rng.choice([0, 1, 10, 1000, 10**6])
        out.append(round(rng.uniform(-whole - 1, whole + 1), rng.randint(0, 6)))
        out.append(Decimal(rng.randint(-(10**8), 10**8)).scaleb(-rng.randint(0, 6)))
    return out


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_figure_matches_floatformat(language):
    with translation.override(language):
        for value in EDGES + _randoms():
            for places in PLACES:
                assert figure(value, places) == floatformat(value, places), (value, places)


def test_figure_without_argument_matches_floatformat():
    for value in EDGES:
        assert figure(value) == floatformat(value), value
