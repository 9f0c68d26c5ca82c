import io

import pandas as pd
import pytest
from django.urls import reverse

from reports.models import ReminderLog
from tests.reports.conftest import build_plan

pytestmark = pytest.mark.django_db


def test_the_office_sees_who_has_not_reported_with_the_reminders_sent(quarter, login):
    q = quarter
    ReminderLog.objects.create(period=q.period_a, agency=q.other, stage="urge", recipients=["other_agency"])
    ReminderLog.objects.create(period=q.period_a, agency=None, stage="escalate", recipients=["office"])
    page = login(q.users.office).get(reverse("reports:missing", args=[q.plan_a.pk]), {"period": "2026Q1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 个单位未报送，其中任务进展 0 项、配合单位材料 1 项" in html
    assert "县交通运输局" in html and "大力发展新能源" in html and "催办" in html
    assert "推进绿色交通" not in html  # approved
    assert "专班办公室" in html and "通报" in html  # the escalation in the log


def test_the_list_exports_to_excel(quarter, login):
    q = quarter
    q.r1.state = "draft"
    q.r1.save()
    response = login(q.users.office).get(
        reverse("reports:missing", args=[q.plan_a.pk]), {"period": "2026Q1", "format": "xlsx"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    frame = pd.read_excel(io.BytesIO(response.content), sheet_name="未报清单")
    assert sorted(zip(frame["单位"], frame["任务"], frame["状态"], strict=True)) == [
        ("县交通运输局", "大力发展新能源", "材料未报送"),
        ("县发改局", "大力发展新能源", "草稿未提交"),
    ]
    assert sorted(zip(frame["单位"], frame["未报事项"], strict=True)) == [
        ("县交通运输局", "配合单位材料"),
        ("县发改局", "进展报告"),
    ]


def test_a_missing_input_is_named_as_one_and_in_office_mode_a_supporter_owes_a_report(quarter, login):
    q = quarter
    client = login(q.users.office)
    url = reverse("reports:missing", args=[q.plan_a.pk])
    html = client.get(url, {"period": "2026Q1"}).content.decode()
    assert '<td class="item-input">配合单位材料</td><td>材料未报送</td>' in html
    q.plan_a.review_mode = "office_reviews_all"
    q.plan_a.save()
    html = client.get(url, {"period": "2026Q1"}).content.decode()
    assert "配合单位材料</td>" not in html
    assert '<td class="item-report">进展报告</td><td>未填报</td>' in html
    assert "1 个单位共 1 项任务未提交" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [("office", 200), ("admin", 200), ("leader", 403), ("owner", 404), ("other_office", 404)],
)
def test_the_list_is_the_offices(quarter, login, who, status):
    q = quarter
    response = login(getattr(q.users, who)).get(reverse("reports:missing", args=[q.plan_a.pk]))
    assert response.status_code == status


def test_an_unknown_quarter_shows_the_default_with_a_notice(quarter, login):
    # As on every page (tests/reports/test_period_choice.py); this page used to answer 404.
    q = quarter
    response = login(q.users.office).get(reverse("reports:missing", args=[q.plan_a.pk]), {"period": "2030Q1"})
    assert response.status_code == 200
    assert response.context["period"] == q.period_a
    assert "没有找到季度“2030Q1”" in response.content.decode()


def test_the_nav_link_leads_an_office_of_one_plan_straight_to_it(quarter, login):
    q = quarter
    client = login(q.users.office)
    home = client.get("/").content.decode()
    assert reverse("reports:missing-index") in home and reverse("reports:bulletins") in home
    response = client.get(reverse("reports:missing-index"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:missing", args=[q.plan_a.pk]
    )
    assert login(q.users.owner).get(reverse("reports:missing-index")).status_code == 404
    assert reverse("reports:missing-index") not in login(q.users.leader).get("/").content.decode()


@pytest.mark.parametrize("scale", [1, 3])
def test_the_list_and_its_export_take_the_same_queries_whatever_the_size(
    scale, world, login, django_assert_num_queries
):
    data = build_plan(10 * scale, region=world.county_a, title="规模")
    from tests import factories as f

    f.role(world.users.office, "office", plan=data.plan)
    client = login(world.users.office)
    url = reverse("reports:missing", args=[data.plan.pk])
    # session, user, roles, plan, periods, reports, reminders and chases per agency,
    # assignments, the quarter's counts (reports.counts), the log of reminders and of chases.
    with django_assert_num_queries(12):
        page = client.get(url, {"period": "2026Q1"})
    assert page.content.decode().count("<tr>") > 10 * scale
    with django_assert_num_queries(9):  # the same without the page's log
        assert client.get(url, {"period": "2026Q1", "format": "xlsx"}).status_code == 200
