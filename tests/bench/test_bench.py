"""The scale benchmark at a tiny size: it runs through every page and job, and its
query-count check holds when the data grows tenfold."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q

from plans.models import Plan, Region
from reports.bench import harness
from reports.bench.generate import build_province, plan_count, quarters_ending
from tasks.models import ProgressReport, Task, TaskAssignment


def _table(output: str, header: str) -> dict[str, list[str]]:
    """Rows of the markdown table that starts with `header`, by their first cell."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_full_province_has_the_issue_mix_of_city_and_county_plans():
    assert plan_count(1.0) == (14, 122)
    assert plan_count(0.015) == (1, 1)
    assert sum(plan_count(0, total=20)) == 20


def test_twenty_quarters_end_with_the_current_one():
    import datetime as dt

    quarters = quarters_ending(dt.date(2026, 11, 22), 20)
    assert len(quarters) == 20
    assert quarters[0] == (2022, 1)
    assert quarters[-1] == (2026, 4)


@pytest.mark.django_db
def test_a_generated_plan_has_the_realistic_shape():
    province = build_province(name="形状检查省", total_plans=2, quarters=3, user_prefix="shape")
    assert province.counts["plans"] == 2
    assert Region.objects.filter(parent__parent=province.region).count() == 1
    plan = Plan.objects.get(pk=province.plans[-1])
    assert plan.actions.count() == 8
    tasks = Task.objects.filter(action__plan=plan)
    assert 40 <= tasks.count() <= 50
    for task in tasks:
        assignments = TaskAssignment.objects.filter(task=task)
        assert 4 <= assignments.count() <= 6
        assert assignments.filter(role="lead").count() == 1
    assert 30 <= plan.indicators.count() <= 60
    assert plan.periods.count() == 3
    # About one report per assignment and past quarter, fewer in the current one.
    reports = ProgressReport.objects.filter(period__plan=plan).count()
    assignments = TaskAssignment.objects.filter(task__action__plan=plan).count()
    assert assignments * 1.5 < reports < assignments * 2.5
    # 8–12 key projects, each quarter written in its lead's own report.
    from tasks.models import Project, ProjectUpdate

    projects = Project.objects.filter(task__action__plan=plan)
    assert 8 <= projects.count() <= 12
    updates = ProjectUpdate.objects.filter(project__in=projects).select_related("report", "project__task")
    assert updates and all(u.report.task_id == u.project.task_id for u in updates)


@pytest.mark.django_db
def test_growing_a_province_adds_plans_and_keeps_the_existing_ones():
    small = build_province(name="增长检查省", total_plans=2, quarters=2, user_prefix="grow")
    big = build_province(name="增长检查省", total_plans=5, quarters=2, user_prefix="grow")
    assert big.counts["plans"] == 5
    assert set(small.plans) <= set(big.plans)
    assert big.counts["reports"] > small.counts["reports"]


# transaction=True: bulletins and rollups are queued on commit, as in production.
@pytest.mark.django_db(transaction=True)
def test_the_bench_command_times_every_page_and_job_and_query_counts_do_not_grow(settings):
    out = io.StringIO()
    call_command(
        "bench", scale=0.015, quarters=2, requests=3, job_runs=1, check_plans=2, check_quarters=2,
        bare_sql_runs=2, stdout=out,
    )  # fmt: skip
    output = out.getvalue()

    timings = _table(output, "| 项目 |")
    for page in harness.PAGES:
        row = timings[page.name]
        assert row[5] in ("PASS", "FAIL", harness.NOT_BUILT), (page.name, row)
    jobs = [name for name in timings if name not in {page.name for page in harness.PAGES}]
    assert any(name.startswith("方案导入") for name in jobs)
    for name in jobs:
        assert timings[name][5] in ("PASS", "FAIL", harness.NOT_BUILT), (name, timings[name])

    check = _table(output, "| 页面 |")
    assert set(check) == {page.name for page in harness.PAGES}
    for name, (small, big, verdict) in check.items():
        if verdict == harness.NOT_BUILT:
            continue
        assert verdict == "PASS", (name, small, big)
        assert int(small) == int(big) > 0
    counts = re.search(r"1× = (\d+) 个方案.*10× = (\d+) 个方案", output)
    assert (int(counts[1]), int(counts[2])) == (2, 20)

    # Every page timed has its bare SQL replayed, and the ratio of the two.
    bare = _table(output, "| 页面与裸 SQL |")
    built = {page.name for page in harness.PAGES if timings[page.name][5] != harness.NOT_BUILT}
    assert set(bare) == built
    for name, (_page, sql_ms, statements, ratio, verdict) in bare.items():
        assert int(statements) > 0 and sql_ms.endswith("s") and ratio.endswith("×"), (name, bare[name])
        assert verdict in ("PASS", "FAIL"), (name, verdict)


@pytest.mark.django_db
def test_the_command_fails_when_a_page_makes_more_queries_with_more_data(monkeypatch):
    calls = iter([{"看板": 12, "API": 5}, {"看板": 12 + 18, "API": 5}])
    monkeypatch.setattr(harness, "page_query_counts", lambda province: next(calls))
    monkeypatch.setattr(harness, "rollup_all", lambda province: None)
    out = io.StringIO()
    with pytest.raises(CommandError, match="看板"):
        call_command("bench", skip_timing=True, check_plans=1, check_quarters=1, stdout=out)
    assert "| 看板 | 12 | 30 | FAIL |" in out.getvalue()
    assert "| API | 5 | 5 | PASS |" in out.getvalue()


@pytest.mark.django_db
def test_deleting_a_generated_province_removes_its_plans_reports_and_agencies():
    from agencies.models import Agency
    from indicators.models import IndicatorValue
    from reports.bench.generate import delete_province

    kept = build_province(name="保留省", total_plans=2, quarters=2, user_prefix="kept")
    gone = build_province(name="删除省", total_plans=2, quarters=2, user_prefix="gone")
    assert delete_province("删除省") is True
    assert not Region.objects.filter(name="删除省").exists()
    assert not Plan.objects.filter(pk__in=gone.plans).exists()
    assert not ProgressReport.objects.filter(period__plan__in=gone.plans).exists()
    assert not IndicatorValue.objects.filter(period__plan__in=gone.plans).exists()
    kept_regions = Region.objects.filter(
        Q(name="保留省") | Q(parent__name="保留省") | Q(parent__parent__name="保留省")
    )
    assert Agency.objects.exclude(region__in=kept_regions).count() == 0
    assert ProgressReport.objects.filter(period__plan__in=kept.plans).count() == kept.counts["reports"]
    assert delete_province("删除省") is False


@pytest.mark.django_db
def test_city_tasks_are_handed_down_to_every_county_plan_below_also_when_the_province_grows():
    from reports.bench.generate import HANDED_DOWN
    from reports.models import FigureMark

    def answering(province):
        city_plan = Plan.objects.get(pk__in=province.plans, region__level="city")
        uppers = list(
            Task.objects.filter(action__plan=city_plan).order_by("action__seq", "seq")[:HANDED_DOWN]
        )
        counties = Plan.objects.filter(pk__in=province.plans, region__level="county")
        return uppers, {
            plan.pk: list(
                Task.objects.filter(action__plan=plan, parent__isnull=False)
                .order_by("parent__action__seq", "parent__seq")
                .values_list("parent_id", "link_kind")
            )
            for plan in counties
        }

    small = build_province(name="下达检查省", total_plans=3, quarters=2, user_prefix="hand")
    uppers, lowers = answering(small)
    assert len(lowers) == 2
    assert all(rows == [(u.pk, "linked") for u in uppers] for rows in lowers.values())
    assert uppers[0].progress_source == "children_average"
    # The city plan's figures were computed again after the hand-down.
    assert not FigureMark.objects.filter(plan_id=uppers[0].action.plan_id).exists()
    grown = build_province(name="下达检查省", total_plans=6, quarters=2, user_prefix="hand")
    _uppers, grown_lowers = answering(grown)
    assert len(grown_lowers) == 5
    assert all(rows == [(u.pk, "linked") for u in uppers] for rows in grown_lowers.values())
