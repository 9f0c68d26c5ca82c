"""The large tables written row by row in Python rather than node by node (the office
dashboard's tasks, agencies and indicator cards, the review queue, the 未报清单 and the
agency's task list) escape every name a user typed, as the template did."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from reports.rollups import rollup_plan_period
from tests import factories as f

pytestmark = pytest.mark.django_db

TASK = "<script>alert('任务')</script>&\"推进"
AGENCY = '<img src=x onerror="alert(1)">交通局'
INDICATOR = "<b onmouseover=alert(2)>充电桩</b>"


@pytest.fixture
def hostile(world):
    w = world
    w.task_a1.title = TASK
    w.task_a1.save()
    w.other.name = AGENCY
    w.other.save()
    w.indicator_a.name = INDICATOR
    w.indicator_a.save()
    # The lead's report waits for review; the supporter (the hostile agency) owes its input
    # on the hostile task and has reported its own task late, so its name is in the reasons.
    f.ReportFactory(task=w.task_a1, agency=w.own, period=w.period_a, state="submitted", percent=40)
    f.ReportFactory(
        task=w.task_a2, agency=w.other, period=w.period_a, state="submitted", percent=10, is_late=True
    )
    rollup_plan_period(plan=w.plan_a, period=w.period_a)
    return w


def assert_escaped(html, *texts):
    for text in texts:
        assert text not in html
        assert escape(text) in html


def test_the_dashboard_tables_escape_names(hostile, login):
    w = hostile
    url = reverse("reports:dashboard", args=[w.plan_a.pk]) + "?period=2026Q1"
    html = login(w.users.office).get(url).content.decode()
    tasks = html.split('id="task-table"')[1].split("</table>")[0]
    agencies = html.split('id="agency-table"')[1].split("</table>")[0]
    cards = html.split('class="indicator-grid"')[1].split("</section>")[0]
    assert_escaped(tasks, TASK, AGENCY)  # the title, and the agency in the lights' reasons
    assert_escaped(agencies, AGENCY)
    assert_escaped(cards, INDICATOR)


def test_the_review_queue_escapes_names(hostile, login):
    w = hostile
    url = reverse("tasks:review") + f"?plan={w.plan_a.pk}&period=2026Q1&state=all"
    html = login(w.users.office).get(url).content.decode()
    table = html.split('class="table review-list cards"')[1].split("</table>")[0]
    assert_escaped(table, TASK, AGENCY)
    assert '<span class="state state-submitted">' in table and "逾期" in table


def test_the_missing_list_escapes_names(hostile, login):
    w = hostile
    url = reverse("reports:missing", args=[w.plan_a.pk]) + "?period=2026Q1"
    html = login(w.users.office).get(url).content.decode()
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    assert_escaped(table, TASK, AGENCY)
    # One 催办 button for the agency, pointing at its chase.
    assert table.count(f"agency={w.other.pk}") == 1


def test_the_agency_task_list_escapes_names(hostile, login):
    w = hostile
    html = login(w.users.other_agency).get(reverse("tasks:agency_home") + "?period=2026Q1").content.decode()
    table = html.split('class="table tasklist cards"')[1].split("</table>")[0]
    assert_escaped(table, TASK)
    assert '<span class="state state-none">' in table and '<span class="state state-submitted">' in table


def test_the_review_queue_prints_percentages_as_people_write_them(hostile, login):
    w = hostile
    report = w.task_a1.reports.get(agency=w.own)
    for value, shown in (("60", "60%"), ("12.50", "12.5%"), ("0", "0%")):
        report.percent = value
        report.save()
        url = reverse("tasks:review") + f"?plan={w.plan_a.pk}&period=2026Q1&state=all"
        html = login(w.users.office).get(url).content.decode()
        assert f'data-label="进度">{shown}</td>' in html


def test_the_review_plan_picker_escapes_titles_and_keeps_the_chosen_plan(hostile, login):
    w = hostile
    w.plan_b.title = PLAN = '</option><script>alert("方案")</script>'
    w.plan_b.save()
    f.role(w.users.office, "office", plan=w.plan_b)  # both plans in its picker
    url = reverse("tasks:review") + f"?plan={w.plan_a.pk}&period=2026Q1"
    html = login(w.users.office).get(url).content.decode()
    picker = html.split('<select name="plan">')[1].split("</select>")[0]
    assert_escaped(picker, PLAN)
    assert f'<option value="{w.plan_a.pk}" selected>' in picker
    assert f'<option value="{w.plan_b.pk}">' in picker
