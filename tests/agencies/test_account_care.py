"""The office looks after its agencies' accounts: a new one-time password for a
forgotten one, deactivation when a person leaves, and who has never logged in."""

import base64
import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from agencies.models import AuditEntry, PasswordChangeRequired
from carbonplan.spreadsheets import AUTHOR
from tests import factories as f

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "Lvse-Jianpai-2027"


def reset_url(world, user):
    return reverse("plans:account_reset", args=[world.plan_a.pk, user.pk])


def active_url(world, user):
    return reverse("plans:account_active", args=[world.plan_a.pk, user.pk])


def shown_password(response) -> str:
    return re.search(r'id="one-time-password">([^<]+)<', response.content.decode()).group(1)


def sheet_of(response) -> list[list]:
    href = re.search(
        r'id="accounts-sheet" href="data:[^;]+;base64,([^"]+)"', response.content.decode()
    ).group(1)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(href)))
    assert book.properties.creator == AUTHOR  # written by the one safe writer
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_office_resets_a_forgotten_password_to_a_one_time_one_shown_once(world, login, client):
    owner = world.users.owner
    owner.set_password("old-Password-2026")
    owner.save()
    Token.objects.create(user=owner)
    response = login(world.users.office).post(reset_url(world, owner))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = shown_password(response)
    owner.refresh_from_db()
    assert owner.check_password(password) and not owner.check_password("old-Password-2026")
    assert password not in owner.password
    # The accounts sheet holds the same row: 单位, 用户名, 初始密码, 姓名.
    rows = sheet_of(response)
    assert rows[0][:3] == ["单位", "用户名", "初始密码"]
    assert rows[1][:3] == ["县发改局", "owner", password]
    # A one-time password: the first-login page until it is changed, no API token.
    assert PasswordChangeRequired.objects.filter(user=owner).exists()
    assert not Token.objects.filter(user=owner).exists()
    token = client.post(
        "/api/auth/token/", {"username": "owner", "password": password}, content_type="application/json"
    )
    assert token.status_code == 403 and token.json()["password_change_required"] is True
    changed = client.post(
        "/api/auth/password/",
        {"username": "owner", "old_password": password, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert changed.status_code == 200
    # Audited, without the password.
    entry = AuditEntry.objects.get(action="account.password_reset")
    assert entry.actor == world.users.office and entry.plan == world.plan_a
    assert entry.target_id == str(owner.pk) and password not in str(entry.changes)


def test_a_reset_lifts_a_login_lockout(world, login, client, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "owner", "password": "wrong-guess-123"})
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username="owner").exists()
    response = login(world.users.office).post(reset_url(world, world.users.owner))
    assert response.status_code == 200
    assert not AccessAttempt.objects.filter(username="owner").exists()


def test_a_person_who_left_is_deactivated_and_can_no_longer_log_in(world, login):
    owner = world.users.owner
    owner.set_password(NEW_PASSWORD)
    owner.save()
    Token.objects.create(user=owner)
    office = login(world.users.office)
    response = office.post(active_url(world, owner), {"active": "0"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert not owner.is_active and not Token.objects.filter(user=owner).exists()
    assert AuditEntry.objects.filter(action="account.deactivate", target_id=str(owner.pk)).count() == 1
    # A second click changes nothing and records nothing.
    office.post(active_url(world, owner), {"active": "0"})
    assert AuditEntry.objects.filter(action="account.deactivate").count() == 1
    token = Client().post(
        "/api/auth/token/", {"username": "owner", "password": NEW_PASSWORD}, content_type="application/json"
    )
    assert token.status_code in (400, 401, 403)
    page = office.get(reverse("plans:accounts", args=[world.plan_a.pk])).content.decode()
    assert "已停用" in page and "启用" in page
    # A deactivated account's password is not reset (it would hand a login to nobody).
    office.post(reset_url(world, owner))
    assert not AuditEntry.objects.filter(action="account.password_reset").exists()
    # Activated again.
    office.post(active_url(world, owner), {"active": "1"})
    owner.refresh_from_db()
    assert owner.is_active
    assert AuditEntry.objects.filter(action="account.activate").count() == 1


def test_a_deactivated_agency_account_hears_no_notice_and_a_new_account_can_be_made(world, login):
    from agencies.accounts import agency_accounts_create
    from agencies.models import Role

    Role.objects.filter(agency=world.own).exclude(user=world.users.owner).delete()
    login(world.users.office).post(active_url(world, world.users.owner), {"active": "0"})
    rows = agency_accounts_create(plan=world.plan_a, by=world.users.office)
    assert [r.agency for r in rows] == ["县发改局"]  # the agency has nobody left


def test_the_accounts_page_shows_who_has_never_logged_in(world, login, django_assert_max_num_queries):
    world.users.colleague.last_login = timezone.now()
    world.users.colleague.save()
    office = login(world.users.office)
    url = reverse("plans:accounts", args=[world.plan_a.pk])
    with django_assert_max_num_queries(12):
        page = office.get(url).content.decode()
    owner_row = re.search(r'data-username="owner">(.*?)</div>', page, re.S).group(1)
    colleague_row = re.search(r'data-username="colleague">(.*?)</div>', page, re.S).group(1)
    assert "从未登录" in owner_row
    assert "从未登录" not in colleague_row and "最近登录" in colleague_row
    assert re.search(r"个启用的账号中，\d+ 个从未登录", page)
    # More accounts, the same number of queries.
    for n in range(5):
        f.role(f.UserFactory(username=f"extra{n}"), "staff", agency=world.own)
    with django_assert_max_num_queries(12):
        office.get(url)


@pytest.mark.parametrize("who,status", [("owner", 404), ("other_office", 404), ("leader", 403)])
def test_only_the_plans_office_resets_or_deactivates(world, login, who, status):
    target = world.users.colleague
    before = target.password
    client = login(getattr(world.users, who))
    assert client.post(reset_url(world, target)).status_code == status
    assert client.post(active_url(world, target), {"active": "0"}).status_code == status
    target.refresh_from_db()
    assert target.password == before and target.is_active


@pytest.mark.parametrize("whom", ["office", "leader", "admin", "stranger_staff"])
def test_the_office_cannot_touch_an_account_that_is_not_its_agencies_staff(world, login, whom):
    if whom == "stranger_staff":
        target = f.UserFactory(username="stranger-staff")
        f.role(target, "staff", agency=world.stranger)
    else:
        target = getattr(world.users, whom)
    before = target.password
    client = login(world.users.office)
    assert client.post(reset_url(world, target)).status_code == 404
    assert client.post(active_url(world, target), {"active": "0"}).status_code == 404
    target.refresh_from_db()
    assert target.password == before and target.is_active


def test_an_account_that_also_holds_an_office_role_is_left_to_the_administrator(world, login):
    f.role(world.users.owner, "office", plan=world.plan_b)
    response = login(world.users.office).post(reset_url(world, world.users.owner))
    assert response.status_code == 404
