"""Progress that follows the lower tasks (上级任务下达): an upper task whose office chose
to read its progress from the tasks answering it, not from its own lead's reports. The
lower tasks' reports are figure sources of the upper plan too (their FigureRule's
`also`), so a lower report submitted marks the upper plan's figures stale."""

from __future__ import annotations

from decimal import Decimal

from tasks.models import ProgressReport, Task, TaskAssignment


def read_followed(tasks) -> dict:
    """The handed-in lead reports of the lower tasks answering the plan's tasks whose
    progress follows them: two queries, none when no task follows."""
    sources = {
        t["id"]: t["progress_source"] for t in tasks if t["progress_source"] != Task.ProgressSource.OWN
    }
    if not sources:
        return {}
    children = dict(Task.objects.filter(parent__in=list(sources)).active().values_list("id", "parent_id"))
    followed = {task_id: (source, {}) for task_id, source in sources.items()}
    for child_id, parent_id in children.items():
        followed[parent_id][1][child_id] = []
    rows = (
        ProgressReport.objects.filter(task__in=list(children))
        .exclude(state=ProgressReport.State.DRAFT)
        .with_role()
        .filter(role=TaskAssignment.Role.LEAD)
        .order_by("task_id", "-period__year", "-period__quarter")
        .values_list("task_id", "period__year", "period__quarter", "status", "percent")
    )
    for child_id, year, quarter, status, percent in rows:
        followed[children[child_id]][1][child_id].append((year, quarter, status, percent))
    return followed


def followed_progress(source, children: dict, period) -> tuple[Decimal | None, str | None]:
    """(completion, status) of a task following its lower tasks at the quarter: each lower
    task stands at its lead's latest handed-in report up to the quarter (none yet: 0 %,
    not started); the average of their percentages, or the share of them done. Done when
    every one is done; (None, None) while nothing answers the task."""
    if not children:
        return None, None
    upto = (period.year, period.quarter)
    latest = []
    for rows in children.values():
        row = next((r for r in rows if (r[0], r[1]) <= upto), None)
        latest.append((row[2], row[3]) if row else (None, None))
    done = sum(1 for status, _p in latest if status == ProgressReport.Status.DONE)
    if source == Task.ProgressSource.CHILDREN_ALL_DONE:
        completion = Decimal(done * 100) / len(latest)
    else:
        completion = sum((Decimal(p or 0) for _s, p in latest), Decimal(0)) / len(latest)
    if done == len(latest):
        status = ProgressReport.Status.DONE
    elif any(s for s, _p in latest):
        status = ProgressReport.Status.IN_PROGRESS
    else:
        status = ProgressReport.Status.NOT_STARTED
    return round(completion, 2), status
