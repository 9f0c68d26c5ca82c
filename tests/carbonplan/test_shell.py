"""The UI shell: Chinese by default, English on request, Beijing time, local assets."""

import re
from pathlib import Path

from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]


def test_anonymous_visitors_are_sent_to_a_chinese_login_page(world, client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page and "用户名" in page


def test_home_page_lists_only_the_users_plans_with_role_badges(world, login):
    page = login(world.users.office).get("/").content.decode()
    assert "专班办公室" in page
    assert "甲县碳达峰实施方案" in page and "乙县碳达峰实施方案" not in page


def test_home_page_for_a_user_without_roles_explains_what_to_do(world, login):
    from tests.factories import UserFactory

    page = login(UserFactory(username="nobody")).get("/").content.decode()
    assert "暂无可查看的方案" in page


def test_english_is_available(world, login):
    client = login(world.users.office)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Home" in page and "Sign out" in page


def test_times_are_beijing_time(world, login):
    assert str(timezone.get_current_timezone()) == "Asia/Shanghai"


def test_templates_load_nothing_from_the_internet():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', text), template


def test_health_check_answers(db, client):
    assert client.get("/healthz").json() == {"ok": True}


def test_plan_detail_shows_the_task_breakdown_to_the_plans_users_only(
    world, login, django_assert_max_num_queries
):
    client = login(world.users.owner)
    with django_assert_max_num_queries(12):
        page = client.get(f"/plans/{world.plan_a.pk}/").content.decode()
    assert "大力发展新能源" in page and "县发改局" in page and "新增公共充电桩" in page
    assert login(world.users.other_office).get(f"/plans/{world.plan_a.pk}/").status_code == 404
