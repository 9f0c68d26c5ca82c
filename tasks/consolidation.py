"""Who reviews a task's quarter (Plan.review_mode), in one place: the plan's
ReviewPolicy says which reports are inputs to their lead (配合单位材料), which the office
reviews itself, which a lead's report may gather, and which inputs are still missing.
Every page, service, count and document asks the policy; nothing else reads the mode
(tests/tasks/test_review_policy.py checks it). The writes that follow from the rule are
in tasks.services."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from plans.models import ReviewMode

from .models import ProgressReport, TaskAssignment

# What a lead's save may carry besides its fields: the supporters' inputs it gathers.
CONSOLIDATED_INPUTS = "consolidated_inputs"
# A report handed in: waiting for its reviewer (the office, or the lead for an input),
# or accepted (approved by the office, or gathered by the lead: 已汇总). A returned report
# is not handed in: its agency has to send it again.
HANDED_IN = (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)


@dataclass(frozen=True)
class ReviewPolicy:
    """How a plan's quarters are reviewed: the lead agency gathers its supporters' inputs
    into one report per task and the office reviews that report (the default), or the
    office reviews every agency's report. Build it with ReviewPolicy.of(plan)."""

    mode: str

    handed_in = HANDED_IN

    @classmethod
    def of(cls, plan) -> ReviewPolicy:
        return cls(mode=plan.review_mode)

    @property
    def lead_consolidates(self) -> bool:
        return self.mode == ReviewMode.LEAD_CONSOLIDATES

    @property
    def label(self) -> str:
        """The mode as the schedule page names it."""
        return str(ReviewMode(self.mode).label)

    def is_input(self, report=None, *, role: str | None = None) -> bool:
        """A supporting agency's report where leads consolidate: an input to the lead's
        report, which the office does not review on its own. Give the report, or the
        role of its agency in the task."""
        if role is None:
            role = report_role(report)
        return self.lead_consolidates and role == TaskAssignment.Role.SUPPORT

    def office_reviews(self, report=None, *, role: str | None = None) -> bool:
        """The office approves or returns this report itself (every report but an input)."""
        return not self.is_input(report, role=role)

    def gathers_inputs(self, report=None, *, role: str | None = None) -> bool:
        """A lead agency's report that gathers its supporters' inputs."""
        if role is None:
            role = report_role(report)
        return self.lead_consolidates and role == TaskAssignment.Role.LEAD

    def office_queue(self, reports):
        """The reports (a queryset) the office reviews, each annotated with `role`: where
        leads consolidate only the lead agencies' (their inputs reach the office inside
        them), every one otherwise."""
        reports = reports.with_role()
        if self.lead_consolidates:
            reports = reports.filter(role=TaskAssignment.Role.LEAD)
        return reports

    def office_assignments(self, assignments):
        """The assignments (a queryset) whose report the office reviews."""
        if self.lead_consolidates:
            return assignments.filter(role=TaskAssignment.Role.LEAD)
        return assignments


# An input carries its progress alone: the lead's report states the task's status and
# percent. These are refused on an input, by name, rather than stored unseen.
NOT_FOR_INPUTS = ("status", "percent")
INPUT_FIELD_CODE = "not_for_input"


class InputFieldRefused(ValidationError):
    """A percent or status sent on a supporter's input (配合单位材料)."""


def clean_input_fields(report, data) -> None:
    """InputFieldRefused naming each of NOT_FOR_INPUTS that `data` gives a value on an
    input; an empty value (the form's hidden field, a blank cell) is no value."""
    sent = [name for name in NOT_FOR_INPUTS if data.get(name) not in (None, "")]
    if not sent or not report_is_input(report):
        return
    labels = {"status": _("推进状态"), "percent": _("完成进度")}
    raise InputFieldRefused(
        {
            name: ValidationError(
                _("配合单位材料只报送进展情况，不填%(field)s：由牵头单位在汇总后的报告中填写。")
                % {"field": labels[name]},
                code=INPUT_FIELD_CODE,
            )
            for name in sent
        }
    )


def consolidated_input_ids(report) -> list[int]:
    """Ids of the supporters' inputs the report gathers, sorted (a prefetch is used)."""
    if report.pk is None:
        return []
    return sorted(r.pk for r in report.consolidated_inputs.all())


def report_role(report) -> str | None:
    """lead or support: the report's agency's part in its task (None if it has none);
    the `role` annotation (ProgressReportQuerySet.with_role) when the report carries it."""
    role = getattr(report, "role", None)
    if role:
        return role
    # A lead role before a supporting one, should an agency hold both.
    return (
        TaskAssignment.objects.filter(task_id=report.task_id, agency_id=report.agency_id)
        .order_by("role")
        .values_list("role", flat=True)
        .first()
    )


def report_is_input(report, plan=None) -> bool:
    """A supporting agency's report in a plan whose lead agencies consolidate (ReviewPolicy.is_input)."""
    plan = plan or report.period.plan
    return ReviewPolicy.of(plan).is_input(report)


def clean_consolidated_inputs(report, ids) -> list[ProgressReport]:
    """The inputs a lead's report may gather, sorted by id: its task's and quarter's
    supporting agencies' reports, submitted to the lead (or already consolidated)."""
    if isinstance(ids, (str, bytes)) or not hasattr(ids, "__iter__"):
        raise ValidationError({CONSOLIDATED_INPUTS: _("应为配合单位材料编号的列表。")})
    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise ValidationError({CONSOLIDATED_INPUTS: _("应为配合单位材料编号的列表。")})
    if not ids:
        return []
    if not ReviewPolicy.of(report.period.plan).gathers_inputs(report):
        raise ValidationError(
            {CONSOLIDATED_INPUTS: _("只有牵头单位在“牵头单位汇总”方式下可以汇总配合单位材料。")}
        )
    supporters = set(
        TaskAssignment.objects.filter(task_id=report.task_id, role=TaskAssignment.Role.SUPPORT).values_list(
            "agency_id", flat=True
        )
    )
    inputs = list(
        ProgressReport.objects.filter(pk__in=ids, task_id=report.task_id, period_id=report.period_id)
        .annotate(times_consolidated=models.Count("consolidated_in"))
        .order_by("pk")
    )
    wrong = set(ids) - {r.pk for r in inputs}
    for item in inputs:
        consolidated = item.state == ProgressReport.State.APPROVED and item.times_consolidated
        if item.agency_id not in supporters or not (
            item.state == ProgressReport.State.SUBMITTED or consolidated
        ):
            wrong.add(item.pk)
    if wrong:
        raise ValidationError(
            {
                CONSOLIDATED_INPUTS: _("以下材料不能汇总（须为本任务本季度配合单位已报送的材料）：%(ids)s")
                % {"ids": "、".join(str(i) for i in sorted(wrong))}
            }
        )
    return inputs


def missing_inputs(report) -> list:
    """Supporting agencies (Agency) whose input to the lead's report is not yet submitted."""
    from agencies.models import Agency

    handed_in = ProgressReport.objects.filter(
        task_id=report.task_id,
        period_id=report.period_id,
        state__in=HANDED_IN,
    ).values("agency_id")
    return list(
        Agency.objects.filter(
            assignments__task_id=report.task_id, assignments__role=TaskAssignment.Role.SUPPORT
        )
        .exclude(pk__in=handed_in)
        .order_by("assignments__seq", "name")
    )
