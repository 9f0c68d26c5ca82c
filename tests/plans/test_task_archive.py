"""A revision never destroys history: tasks it drops are archived with their reports,
evidence and indicator values, shown read-only on the plan page and restorable by the
plan's office; a later revision that brings one back restores it."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from agencies.models import AuditEntry
from indicators.models import Indicator, IndicatorValue
from plans.import_review import plan_diff
from plans.parsing import parse_plan_text
from plans.services import plan_revise_from_parsed
from reports.reminders import missing_rows
from tasks.models import Evidence, ProgressReport, Task

from .. import factories as f
from .docs import SMALL_PLAN

pytestmark = pytest.mark.django_db

GONE = "推广绿色建筑"
# The second version drops 推广绿色建筑 (and with it the whole 城乡建设 action).
WITHOUT = SMALL_PLAN.replace(
    "（二）城乡建设碳达峰行动\n1．推广绿色建筑。到2025年，城镇新建建筑全面执行绿色建筑标准。（县住房和城乡建设局、县发改局按职责分工负责）\n",
    "",
)


@pytest.fixture
def jia(jia_plan):
    """The plan with evidence on a report of the task to go and an indicator value."""
    plan, period = jia_plan, jia_plan.periods.get()
    gone = Task.objects.get(action__plan=plan, title=GONE)
    report = gone.reports.first()
    Evidence.objects.create(
        report=report, file=ContentFile(b"photo", name="site.png"), original_name="site.png",
        content_type="image/png", size=5, sha256="0" * 64,
    )  # fmt: skip
    indicator = Indicator.objects.create(
        plan=plan, task=gone, seq=1, name="绿色建筑占比", unit="%", target=Decimal("70"), target_year=2025
    )
    f.IndicatorValueFactory(indicator=indicator, period=period, agency=report.agency, value=Decimal("55"))
    return plan, period, gone


def revise(plan, text, by=None):
    return plan_revise_from_parsed(plan=plan, parsed=parse_plan_text(text, "jia-v2.txt"), by=by)


def test_the_diff_names_the_tasks_to_archive_with_what_they_keep(jia):
    plan, _period, gone = jia
    diff = plan_diff(plan, parse_plan_text(WITHOUT, "jia-v2.txt"))
    assert [(t["title"], t["reports"], t["values"]) for t in diff["tasks_removed"]] == [(GONE, 2, 1)]
    assert diff["reports_archived"] == 2 and not diff["tasks_restored"]


def test_a_dropped_task_is_archived_with_everything_it_holds(world, jia):
    plan, _period, gone = jia
    reports = set(gone.reports.values_list("pk", flat=True))
    evidence = Evidence.objects.filter(report__task=gone).count()
    counts = revise(plan, WITHOUT, by=world.users.office)
    gone.refresh_from_db()
    assert counts["tasks_archived"] == [gone.pk]
    assert gone.archived_at is not None and gone.archived_by == world.users.office
    assert set(gone.reports.values_list("pk", flat=True)) == reports and len(reports) == 2
    assert Evidence.objects.filter(report__task=gone).count() == evidence == 1
    assert IndicatorValue.objects.filter(indicator__task=gone).count() == 1
    assert gone.assignments.count() == 2
    entry = AuditEntry.objects.get(action="plan.revise", target_id=str(plan.pk))
    assert entry.changes["tasks_archived"] == [gone.pk] and entry.changes["reports_archived"] == 2
    # Its action left the plan's breakdown but stays to hold the archived task.
    assert gone.action.seq >= 1_000_000_000
    assert Task.objects.of_plan(plan).active().count() == 2


def test_archived_tasks_are_left_out_of_dashboards_lists_and_reporting(world, login, jia):
    plan, period, gone = jia
    office = login(world.users.office)
    dashboard = reverse("reports:dashboard", args=[plan.pk]) + f"?period={period.label}"
    assert GONE in office.get(dashboard).content.decode()
    revise(plan, WITHOUT)
    assert GONE not in office.get(dashboard).content.decode()
    assert all(row["task_id"] != gone.pk for row in missing_rows(plan=plan, period=period))
    api = office.get("/api/tasks/", {"plan": plan.pk}).json()
    assert GONE not in [row["title"] for row in api["results"]] and api["results"]
    detail = office.get(reverse("plans:detail", args=[plan.pk]))
    assert [a.title for a in detail.context["actions"]] == ["能源绿色低碳转型行动"]


def test_the_plan_page_shows_archived_tasks_read_only_and_the_office_restores_one(world, login, jia):
    plan, _period, gone = jia
    f.role(world.users.leader, "leader", plan=plan)
    revise(plan, WITHOUT)
    url = reverse("plans:detail", args=[plan.pk])
    page = login(world.users.office).get(url).content.decode()
    assert "已归档任务" in page and f"进展：{GONE}" in page and "2 条填报" in page and "1 个指标值" in page
    restore = reverse("plans:task_restore", args=[plan.pk, gone.pk])
    assert restore in page
    # A reader sees the section but no restore button; agency staff may not restore.
    leader_page = login(world.users.leader).get(url).content.decode()
    assert "已归档任务" in leader_page and restore not in leader_page
    assert login(world.users.leader).post(restore).status_code == 403
    assert login(world.users.other_office).post(restore).status_code == 404
    assert Task.objects.get(pk=gone.pk).archived_at is not None

    response = login(world.users.office).post(restore)
    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.archived_at is None and gone.reports.count() == 2
    assert gone.action.seq == 2 and gone.seq == 1
    assert AuditEntry.objects.filter(
        action="task.restore", target_id=str(gone.pk), actor=world.users.office
    ).exists()
    page = login(world.users.office).get(url).content.decode()
    assert "已归档任务" not in page and GONE in page
    # Restoring twice finds nothing to restore.
    assert login(world.users.office).post(restore).status_code == 404


def test_a_revision_that_brings_an_archived_task_back_restores_it(jia):
    plan, _period, gone = jia
    revise(plan, WITHOUT)
    diff = plan_diff(plan, parse_plan_text(SMALL_PLAN, "jia-v3.txt"))
    assert [t["title"] for t in diff["tasks_restored"]] == [GONE] and not diff["tasks_added"]
    counts = revise(plan, SMALL_PLAN)
    assert counts["tasks_restored"] == [gone.pk] and counts["tasks_added"] == 0
    gone.refresh_from_db()
    assert gone.archived_at is None and gone.reports.count() == 2
    assert Task.objects.filter(action__plan=plan, title=GONE).count() == 1
    assert ProgressReport.objects.filter(task__action__plan=plan).count() == 7


def test_restoring_an_active_task_is_refused(world, jia):
    from django.core.exceptions import ValidationError

    from plans.services import task_restore

    plan, _period, gone = jia
    with pytest.raises(ValidationError):
        task_restore(task=gone, by=world.users.office)


def test_an_archived_task_takes_no_new_reports(world, login, jia):
    plan, period, gone = jia
    owner = login(world.users.owner)
    assert gone.assignments.filter(agency=world.own).exists()
    form = reverse("tasks:report_form", args=[gone.pk, period.pk])
    assert owner.get(form).status_code == 200
    revise(plan, WITHOUT)
    assert owner.get(form).status_code == 404
    later = f.PeriodFactory(plan=plan, year=2026, quarter=2)
    body = {"period": later.pk, "status": "in_progress", "progress_text": "继续推进"}
    kept = Task.objects.get(action__plan=plan, title="大力发展新能源")
    assert owner.post("/api/progress-reports/", {**body, "task": kept.pk}).status_code == 201
    response = owner.post("/api/progress-reports/", {**body, "task": gone.pk})
    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["task"]
    assert gone.reports.count() == 2
