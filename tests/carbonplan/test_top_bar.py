"""The top bar on a narrow screen: the menu button, which works without JavaScript, and
the unread notices beside it, counted once per page."""

import re

import pytest
from django.urls import reverse

from agencies.models import Notification

pytestmark = pytest.mark.django_db


def top_bar(body):
    return body[body.index('<header class="topbar">') : body.index("</header>")]


def test_the_menu_button_works_without_javascript_and_names_the_panel(login, world):
    bar = top_bar(login(world.users.owner).get(reverse("tasks:agency_home")).content.decode())
    # A real checkbox with a label: it toggles the panel by CSS alone, by touch, click or Space.
    assert (
        '<input type="checkbox" id="nav-toggle" class="nav-toggle sr-only" aria-controls="site-menu">' in bar
    )
    assert '<label for="nav-toggle" class="nav-button">' in bar and "菜单" in bar
    panel = bar[bar.index('id="site-menu"') :]
    assert "本单位任务" in panel and "退出" in panel and 'name="language"' in panel


def test_the_unread_notices_show_beside_the_menu_and_go_when_read(login, world):
    for i in range(3):
        Notification.objects.create(user=world.users.owner, kind="reminder", title=f"提醒{i}")
    Notification.objects.create(user=world.users.colleague, kind="reminder", title="别人的")
    client = login(world.users.owner)
    bar = top_bar(client.get(reverse("tasks:agency_home")).content.decode())
    beside = bar[: bar.index('id="nav-toggle"')]
    assert 'class="navnotice"' in beside
    assert re.search(
        r'<span class="unread-count"><span aria-hidden="true">3</span><span class="sr-only">3 条未读', beside
    )
    client.post(reverse("tasks:notifications"))  # 全部标为已读
    bar = top_bar(client.get(reverse("tasks:agency_home")).content.decode())
    assert "unread-count" not in bar


def test_a_long_unread_count_is_capped(login, world):
    Notification.objects.bulk_create(
        [Notification(user=world.users.owner, kind="reminder", title=f"提醒{i}") for i in range(120)]
    )
    bar = top_bar(login(world.users.owner).get(reverse("tasks:agency_home")).content.decode())
    assert '<span aria-hidden="true">99+</span><span class="sr-only">120 条未读' in bar


def test_the_unread_count_rides_on_the_roles_query(
    login, world, django_assert_num_queries, django_assert_max_num_queries
):
    client = login(world.users.owner)
    client.get(reverse("tasks:agency_home"))
    with django_assert_max_num_queries(50) as none_unread:
        client.get(reverse("tasks:agency_home"))
    Notification.objects.bulk_create(
        [Notification(user=world.users.owner, kind="reminder", title=f"提醒{i}") for i in range(5)]
    )
    # The same queries with notices to count: one of them, the viewer's, counts them too.
    with django_assert_num_queries(len(none_unread.captured_queries)) as queries:
        body = client.get(reverse("tasks:agency_home")).content.decode()
    assert '<span aria-hidden="true">5</span>' in top_bar(body)
    counting = [q["sql"] for q in queries.captured_queries if "agencies_notification" in q["sql"]]
    assert len(counting) == 1 and "agencies_role" in counting[0]


def test_a_user_without_roles_still_sees_the_count(login, world):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    Notification.objects.create(user=nobody, kind="reminder", title="账号已停用前的提醒")
    bar = top_bar(login(nobody).get(reverse("home")).content.decode())
    assert '<span aria-hidden="true">1</span>' in bar


def test_a_page_without_the_top_bar_counts_nothing(login, world, django_assert_max_num_queries):
    client = login(world.users.owner)
    with django_assert_max_num_queries(1) as queries:
        client.get(reverse("webmanifest"))
    assert not [q for q in queries.captured_queries if "notification" in q["sql"]]
