"""Three ways to group a plan's reports of every quarter by quarter, agency and state,
timed on the same plans: the dictionaries the rollups use (reports.rollups.read_plan
reads the rows once and Python groups them), a pandas DataFrame grouped in one
vectorised pass, and the database's GROUP BY. Each must give the same counts; the
figures say which is faster here, and the rollups keep the dictionaries because the
lights and assessments walk each task's reports anyway.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

from tasks.models import ProgressReport

FIELDS = ("period_id", "task_id", "agency_id", "state")


def _rows(plan_id):
    return ProgressReport.objects.filter(task__action__plan_id=plan_id).values_list(*FIELDS)


def by_dict(plan_id) -> dict:
    counts = Counter()
    for period_id, _task_id, agency_id, state in _rows(plan_id):
        counts[(period_id, agency_id, state)] += 1
    return dict(counts)


def by_pandas(plan_id) -> dict:
    import pandas as pd

    frame = pd.DataFrame.from_records(list(_rows(plan_id)), columns=FIELDS)
    if frame.empty:
        return {}
    sizes = frame.groupby(["period_id", "agency_id", "state"], sort=False).size()
    return {key: int(n) for key, n in sizes.items()}


def by_sql(plan_id) -> dict:
    from django.db.models import Count

    rows = (
        ProgressReport.objects.filter(task__action__plan_id=plan_id)
        .values("period_id", "agency_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(r["period_id"], r["agency_id"], r["state"]): r["n"] for r in rows}


WAYS = {"Python 字典": by_dict, "pandas DataFrame": by_pandas, "SQL GROUP BY": by_sql}


def compare(plan_ids, *, runs: int = 3) -> list[tuple[str, float, int]]:
    """[(way, median ms per plan, rows)] over the plans; raises if two ways disagree."""
    import pandas  # noqa: F401 - imported once before timing, as a worker would have it

    out = []
    reference = {plan_id: by_dict(plan_id) for plan_id in plan_ids}
    rows = sum(sum(counts.values()) for counts in reference.values())
    for name, way in WAYS.items():
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            for plan_id in plan_ids:
                got = way(plan_id)
                if got != reference[plan_id]:
                    raise AssertionError(f"{name} grouped plan {plan_id} differently")
            times.append((time.perf_counter() - started) * 1000 / max(1, len(plan_ids)))
        out.append((name, statistics.median(times), rows))
    return out
