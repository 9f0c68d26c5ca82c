"""One task in one quarter: every assigned agency's report (or its absence) with its history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from agencies.audit import change_label, project_names
from tasks.models import ProgressReport, ProgressReportVersion, ReportingPeriod, Task

from ..light_reasons import RULE
from ..models import Rollup, TaskLight
from .indicator_cards import indicator_cards


@dataclass
class TaskDrilldown:
    task: Task
    period: ReportingPeriod
    light: TaskLight | None
    rollup: Rollup | None
    assignments: list
    reports: list  # [(TaskAssignment|None, ProgressReport|None)]
    indicators: list

    @property
    def reasons(self):
        return self.light.reasons if self.light else []

    @property
    def notes(self):
        return self.light.notes if self.light else []

    @property
    def rule(self):
        return RULE


def task_drilldown(plan, task_pk, period) -> TaskDrilldown:
    """One task in one quarter: every assigned agency's report (or its absence) with
    the report's history. Seven queries whatever the number of agencies or versions."""
    task = get_object_or_404(
        Task.objects.select_related("action", "parent__action__plan__region__parent__parent"),
        pk=task_pk,
        action__plan=plan,
    )
    assignments = list(task.assignments.select_related("agency").order_by("role", "seq"))
    reports = {
        r.agency_id: r
        for r in ProgressReport.objects.filter(task=task, period=period)
        .select_related("agency", "submitted_by", "reviewed_by")
        .prefetch_related(
            Prefetch(
                "versions", queryset=ProgressReportVersion.objects.select_related("by").order_by("number")
            )
        )
    }
    projects = project_names([v.changed_fields for r in reports.values() for v in r.versions.all()])
    for report in reports.values():
        for version in report.versions.all():
            version.changed_labels = [
                change_label(ProgressReport, name, projects) for name in version.changed_fields or []
            ]
    pairs = [(a, reports.pop(a.agency_id, None)) for a in assignments]
    # A report from an agency no longer assigned still belongs to the record.
    pairs += [(None, r) for r in reports.values()]
    return TaskDrilldown(
        task=task,
        period=period,
        light=TaskLight.objects.filter(task=task, period=period).first(),
        rollup=Rollup.objects.filter(scope="task", task=task, period=period).first(),
        assignments=assignments,
        reports=pairs,
        indicators=indicator_cards(plan, period, task=task),
    )
