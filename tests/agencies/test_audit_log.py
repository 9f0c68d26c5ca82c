"""The office browses and exports the audit trail of its own plans."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.urls import reverse

from agencies.audit import audit_log
from agencies.models import AuditEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIST = "/agencies/audit/"
EXPORT = "/agencies/audit/export.xlsx"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # The cast's seven passwords would otherwise take seconds to hash for every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def entry(*, actor, action, target, plan, at=None, changes=None):
    e = audit_log(actor=actor, action=action, target=target, plan=plan, changes=changes)
    if at is not None:
        AuditEntry.objects.filter(pk=e.pk).update(at=at)
    return e


@pytest.fixture
def trail(world):
    u = world.users
    return {
        "a_submit": entry(
            actor=u.owner,
            action="report.submit",
            target=world.task_a1,
            plan=world.plan_a,
            at=dt.datetime(2026, 4, 3, 9, 0, tzinfo=SHANGHAI),
            changes={"percent": [10, 40]},
        ),
        "a_approve": entry(
            actor=u.office,
            action="report.approve",
            target=world.task_a1,
            plan=world.plan_a,
            at=dt.datetime(2026, 4, 8, 15, 30, tzinfo=SHANGHAI),
        ),
        "b_submit": entry(
            actor=u.other_office,
            action="report.submit",
            target=world.task_b1,
            plan=world.plan_b,
            at=dt.datetime(2026, 4, 5, 10, 0, tzinfo=SHANGHAI),
        ),
        "agency": entry(actor=u.admin, action="agency.create", target=world.stranger, plan=None),
    }


def shown(response):
    return {e.pk for e in response.context["page"].object_list}


def test_office_sees_the_entries_of_its_own_plans_only(world, trail, login):
    response = login(world.users.office).get(LIST)
    assert response.status_code == 200
    assert shown(response) == {trail["a_submit"].pk, trail["a_approve"].pk}
    assert "乙县碳达峰实施方案" not in response.content.decode()


def test_entries_are_listed_newest_first_with_chinese_action_names(world, trail, login):
    response = login(world.users.office).get(LIST)
    assert [e.pk for e in response.context["page"].object_list] == [
        trail["a_approve"].pk,
        trail["a_submit"].pk,
    ]
    body = response.content.decode()
    assert "审核通过" in body and "提交进展填报" in body
    assert "2026-04-08 15:30" in body  # Beijing time


def test_administrator_sees_every_entry_including_those_without_a_plan(world, trail, login):
    response = login(world.users.admin).get(LIST)
    assert shown(response) == {e.pk for e in trail.values()}


@pytest.mark.parametrize("who", ["owner", "colleague", "other_agency", "leader"])
def test_agency_staff_and_leaders_do_not_find_the_audit_pages(world, trail, login, who):
    client = login(getattr(world.users, who))
    assert client.get(LIST).status_code == 404
    assert client.get(EXPORT).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(world, trail, client):
    for url in (LIST, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_nav_shows_the_audit_link_to_the_office_and_not_to_agency_staff(world, login):
    assert "操作记录" in login(world.users.office).get("/").content.decode()
    assert "操作记录" not in login(world.users.owner).get("/").content.decode()


def test_filtering_by_actor_action_and_date_range(world, trail, login):
    client = login(world.users.admin)
    assert shown(client.get(LIST, {"actor": world.users.owner.pk})) == {trail["a_submit"].pk}
    assert shown(client.get(LIST, {"action": "report.submit"})) == {
        trail["a_submit"].pk,
        trail["b_submit"].pk,
    }
    # Both ends of the range are whole days in Beijing time.
    assert shown(client.get(LIST, {"date_after": "2026-04-04", "date_before": "2026-04-08"})) == {
        trail["b_submit"].pk,
        trail["a_approve"].pk,
    }
    assert shown(client.get(LIST, {"date_before": "2026-04-03"})) == {trail["a_submit"].pk}


def test_filtering_by_plan(world, trail, login):
    client = login(world.users.admin)
    assert shown(client.get(LIST, {"plan": world.plan_b.pk})) == {trail["b_submit"].pk}


def test_another_plans_id_in_the_filter_is_refused_and_leaks_nothing(world, trail, login):
    response = login(world.users.office).get(LIST, {"plan": world.plan_b.pk})
    assert response.status_code == 200
    assert trail["b_submit"].pk not in shown(response)
    assert "选择一个有效的选项" in response.content.decode()
    options = [str(p) for p in response.context["filter"].form.fields["plan"].queryset]
    assert options == ["甲县碳达峰实施方案"]


def test_an_impossible_date_gets_a_clear_message(world, trail, login):
    response = login(world.users.office).get(LIST, {"date_after": "2026-13-45"})
    assert response.status_code == 200
    assert "输入一个有效的日期" in response.content.decode()
    assert login(world.users.office).get(EXPORT, {"date_after": "2026-13-45"}).status_code == 400


def test_user_text_in_the_trail_is_escaped(world, login):
    entry(
        actor=world.users.owner,
        action="report.save",
        target=world.task_a1,
        plan=world.plan_a,
        changes={"problems": ["", "<script>alert(1)</script>"]},
    )
    AuditEntry.objects.update(target_repr="<img src=x onerror=alert(2)>")
    body = login(world.users.office).get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(2)&gt;" in body


def many_entries(world, n):
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=world.users.owner if i % 2 else world.users.office,
            action="report.save",
            target_type="tasks.task",
            target_id=str(world.task_a1.pk),
            target_repr=f"任务{i}",
            changes={"percent": [i, i + 1]},
            plan=world.plan_a,
        )
        for i in range(n)
    )


def test_the_list_is_paginated_by_fifty(world, login):
    many_entries(world, 120)
    client = login(world.users.office)
    first = client.get(LIST, {"action": "report.save"})
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.num_pages == 3
    last = client.get(LIST, {"action": "report.save", "page": 3})
    assert len(last.context["page"].object_list) == 20
    # The next-page link keeps the filter.
    assert "action=report.save&amp;page=2" in first.content.decode()


@pytest.mark.parametrize("n", [5, 120])
def test_the_list_costs_the_same_number_of_queries_however_long_the_trail(
    world, login, django_assert_num_queries, n
):
    many_entries(world, n)
    client = login(world.users.office)
    client.get(LIST)  # warm the session
    # session, user, roles, action choices, the chosen actor, count, page, and the plan,
    # agency and actor options of the filter form; the nav reuses the viewer cached on
    # the user.
    with django_assert_num_queries(10):
        response = client.get(LIST, {"actor": world.users.owner.pk})
    assert response.status_code == 200


def read_export(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    return pd.read_excel(io.BytesIO(response.content), dtype=str, keep_default_na=False)


def test_the_export_holds_the_filtered_entries_of_the_offices_plans(world, trail, login):
    frame = read_export(login(world.users.office).get(EXPORT, {"action": "report.submit"}))
    assert list(frame.columns) == [
        "时间",
        "操作人",
        "操作",
        "操作代码",
        "对象类型",
        "对象编号",
        "对象",
        "方案",
        "变更",
    ]
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["操作人"] == "owner"
    assert row["操作"] == "提交进展填报"
    assert row["方案"] == "甲县碳达峰实施方案"
    assert row["对象"] == "大力发展新能源" or row["对象"] == str(world.task_a1)
    assert row["时间"].startswith("2026-04-03 09:00")
    assert row["变更"] == "percent：10 → 40"  # a task has no such field: the key as recorded


def test_the_unfiltered_export_of_the_office_leaves_other_plans_out(world, trail, login):
    frame = read_export(login(world.users.office).get(EXPORT))
    assert sorted(frame["操作代码"]) == ["report.approve", "report.submit"]
    assert "乙县碳达峰实施方案" not in set(frame["方案"])


def test_text_that_looks_like_a_formula_is_exported_as_text(world, login):
    entry(actor=world.users.owner, action="report.save", target=world.task_a1, plan=world.plan_a)
    AuditEntry.objects.update(target_repr='=HYPERLINK("http://127.0.0.1/x","点我")')
    response = login(world.users.office).get(EXPORT)
    frame = read_export(response)
    assert frame.iloc[0]["对象"] == '=HYPERLINK("http://127.0.0.1/x","点我")'
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["G2"].data_type == "s"


@pytest.mark.parametrize("n", [5, 300])
def test_the_export_costs_the_same_number_of_queries_however_long_the_trail(
    world, login, django_assert_num_queries, n
):
    many_entries(world, n)
    client = login(world.users.office)
    client.get(LIST)
    # session, user, roles, action choices, and the rows in one joined query.
    with django_assert_num_queries(5):
        response = client.get(EXPORT, {"action": "report.save"})
    assert len(read_export(response)) == n
