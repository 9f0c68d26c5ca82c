"""The figures' computations run with the collector's first threshold raised, and
leave it as they found it, also when they fail."""

import gc

import pytest

from reports import rollups
from reports.assessment import services
from reports.fewer_collections import THRESHOLD, fewer_collections


@pytest.fixture
def default_threshold():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_the_threshold_is_raised_within_and_restored_after_also_on_failure(default_threshold):
    seen = []

    @fewer_collections
    def compute(fail=False):
        seen.append(gc.get_threshold())
        if fail:
            raise RuntimeError("the computation failed")
        return "done"

    assert compute() == "done"
    with pytest.raises(RuntimeError):
        compute(fail=True)
    assert seen == [(THRESHOLD, 10, 10)] * 2
    assert gc.get_threshold() == (700, 10, 10)


def test_a_nested_computation_keeps_its_caller_s_threshold_and_a_disabled_collector_stays_off(
    default_threshold,
):
    @fewer_collections
    def inner():
        return gc.get_threshold()

    @fewer_collections
    def outer():
        return inner(), gc.get_threshold()

    assert outer() == ((THRESHOLD, 10, 10), (THRESHOLD, 10, 10))
    assert gc.get_threshold() == (700, 10, 10)
    gc.set_threshold(0)
    assert inner()[0] == 0


def test_the_plan_region_and_assessment_computations_are_the_ones_relaxed():
    for func in (rollups.store_plan_periods, rollups.rollup_regions, services.assessment_compute):
        assert func.__wrapped__.__module__ in ("reports.rollups", "reports.assessment.services")
