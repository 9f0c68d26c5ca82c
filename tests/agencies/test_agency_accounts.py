"""Accounts for a plan's agencies, one-time passwords, and the first password change."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.accounts import Invitation, agency_accounts_create
from agencies.models import AuditEntry, PasswordChangeRequired, Role

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "Lvse-Jianpai-2027"


def sheet_rows(data: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def fresh_plan(world):
    """Plan A with no accounts yet: its agencies' staff go, as in a newly imported plan."""
    Role.objects.filter(kind="staff").delete()
    return world.plan_a


def test_each_agency_of_the_plan_gets_one_account_with_a_one_time_password(world, fresh_plan):
    rows = agency_accounts_create(plan=fresh_plan, by=world.users.office)
    assert sorted(r.agency for r in rows) == ["县交通运输局", "县发改局"]
    for row in rows:
        user = User.objects.get(username=row.username)
        assert user.check_password(row.password) and row.password not in user.password
        assert len(row.password) >= 10
        assert Role.objects.filter(user=user, kind="staff", agency__name=row.agency).exists()
        assert PasswordChangeRequired.objects.filter(user=user).exists()
    entries = AuditEntry.objects.filter(action="account.create", plan=fresh_plan)
    assert entries.count() == 2
    assert not any(row.password in str(e.changes) for e in entries for row in rows)
    # A stranger agency of another plan gets nothing.
    assert not Role.objects.filter(agency=world.stranger).exists()


def test_running_it_again_creates_no_account_twice(world, fresh_plan):
    agency_accounts_create(plan=fresh_plan, by=world.users.office)
    assert agency_accounts_create(plan=fresh_plan, by=world.users.office) == []
    assert Role.objects.filter(kind="staff").count() == 2


def test_invited_staff_get_an_account_each_once(world, fresh_plan):
    invitations = [Invitation(agency=world.own, name="张三"), Invitation(agency=world.own, name="李四")]
    rows = agency_accounts_create(plan=fresh_plan, by=world.users.office, invitations=invitations)
    assert sorted((r.agency, r.person) for r in rows) == [
        ("县交通运输局", ""),
        ("县发改局", "张三"),
        ("县发改局", "李四"),
    ]
    assert len({r.username for r in rows}) == 3
    again = agency_accounts_create(plan=fresh_plan, by=world.users.office, invitations=invitations)
    assert again == []


def test_the_command_writes_the_sheet_and_creates_none_twice(world, fresh_plan, tmp_path):
    out = tmp_path / "accounts.xlsx"
    call_command("agency_accounts", str(fresh_plan.pk), "--xlsx", str(out))
    rows = sheet_rows(out.read_bytes())
    assert rows[0][:3] == ["单位", "用户名", "初始密码"]
    assert len(rows) == 3
    for agency, username, password, _person in rows[1:]:
        assert User.objects.get(username=username).check_password(password)
        assert Role.objects.filter(user__username=username, agency__name=agency).exists()
    second = tmp_path / "again.xlsx"
    call_command("agency_accounts", str(fresh_plan.pk), "--xlsx", str(second))
    assert sheet_rows(second.read_bytes()) == [["单位", "用户名", "初始密码", "姓名"]]
    assert User.objects.filter(carbon_roles__kind="staff").count() == 2
    with pytest.raises(CommandError, match="没有编号为"):
        call_command("agency_accounts", "99999", "--xlsx", str(out))


def test_a_formula_like_name_stays_text_in_the_sheet(world, fresh_plan):
    from agencies.accounts import accounts_sheet

    invitations = [Invitation(agency=world.own, name='=HYPERLINK("http://x","点此")')]
    rows = agency_accounts_create(plan=fresh_plan, by=world.users.office, invitations=invitations)
    data = accounts_sheet(plan=fresh_plan, rows=rows).content
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


# --- the office's page ---------------------------------------------------------------
def test_the_office_creates_the_accounts_on_its_page_and_downloads_the_sheet(world, fresh_plan, login):
    client = login(world.users.office)
    url = reverse("plans:accounts", args=[fresh_plan.pk])
    page = client.get(url)
    assert page.status_code == 200 and "县交通运输局" in page.content.decode()
    response = client.post(url, {"invitations": "王五，县发展和改革局"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert rows[0][:3] == ["单位", "用户名", "初始密码"] and len(rows) == 3
    assert ["县发改局", "王五"] in [[r[0], r[3]] for r in rows]
    listing = client.get(url).content.decode()
    assert "未修改初始密码" in listing
    again = client.post(url, {"invitations": ""}, follow=True)
    assert "没有新建账号" in again.content.decode()


def test_an_invitation_for_an_agency_outside_the_plan_is_refused(world, fresh_plan, login):
    client = login(world.users.office)
    response = client.post(reverse("plans:accounts", args=[fresh_plan.pk]), {"invitations": "赵六，县住建局"})
    assert response.status_code == 400 and "不是承担该方案任务的单位" in response.content.decode()
    assert not Role.objects.filter(kind="staff").exists()


@pytest.mark.parametrize("who,status", [("other_office", 404), ("leader", 403)])
def test_only_the_plans_office_creates_accounts(world, fresh_plan, login, who, status):
    client = login(getattr(world.users, who))
    url = reverse("plans:accounts", args=[fresh_plan.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"invitations": ""}).status_code == status
    assert not Role.objects.filter(kind="staff").exists()


# --- first login -------------------------------------------------------------------------
@pytest.fixture
def new_account(world, fresh_plan):
    return agency_accounts_create(plan=fresh_plan, by=world.users.office)[0]


def test_a_one_time_password_opens_only_the_first_login_page(client, new_account):
    response = client.post(
        reverse("login"), {"username": new_account.username, "password": new_account.password}
    )
    first_login = reverse("agencies:first-login")
    assert response.status_code == 302
    for url in ("/", reverse("tasks:agency_home"), "/plans/imports/"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"] == first_login
    api = client.get("/api/plans/")
    assert api.status_code == 403 and api.json()["password_change_required"] is True
    assert client.get(first_login).status_code == 200
    mismatch = client.post(
        first_login,
        {
            "old_password": new_account.password,
            "new_password": NEW_PASSWORD,
            "new_password2": "something-else",
        },
    )
    assert mismatch.status_code == 400 and "不一致" in mismatch.content.decode()
    short = client.post(
        first_login, {"old_password": new_account.password, "new_password": "abc", "new_password2": "abc"}
    )
    assert short.status_code == 400 and "密码太短" in short.content.decode()
    done = client.post(
        first_login,
        {"old_password": new_account.password, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get(reverse("tasks:agency_home")).status_code == 200
    user = User.objects.get(username=new_account.username)
    assert user.check_password(NEW_PASSWORD) and not PasswordChangeRequired.objects.filter(user=user).exists()


def test_the_token_endpoint_answers_a_one_time_password_with_403(client, new_account):
    body = {"username": new_account.username, "password": new_account.password}
    response = client.post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 403
    body = response.json()
    assert (
        body["password_change_required"] is True and body["errors"][0]["code"] == "password_change_required"
    )
    assert "token" not in body


def test_the_password_endpoint_replaces_the_one_time_password(client, new_account):
    url = "/api/auth/password/"
    wrong = client.post(
        url,
        {"username": new_account.username, "old_password": "nope-nope-nope", "new_password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert wrong.status_code == 400
    weak = client.post(
        url,
        {
            "username": new_account.username,
            "old_password": new_account.password,
            "new_password": "12345678901",
        },
        content_type="application/json",
    )
    assert weak.status_code == 400
    assert {e["attr"] for e in weak.json()["errors"]} == {"new_password"}
    ok = client.post(
        url,
        {
            "username": new_account.username,
            "old_password": new_account.password,
            "new_password": NEW_PASSWORD,
        },
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    token = client.post(
        "/api/auth/token/",
        {"username": new_account.username, "password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 200 and token.json()["token"]
    old = client.post(
        "/api/auth/token/",
        {"username": new_account.username, "password": new_account.password},
        content_type="application/json",
    )
    assert old.status_code == 400


def test_users_with_their_own_password_are_not_sent_to_the_first_login_page(world, login):
    client = login(world.users.owner)
    assert client.get(reverse("tasks:agency_home")).status_code == 200
    response = client.get(reverse("agencies:first-login"))
    assert response.status_code == 302 and response["Location"] == "/"


def test_after_changing_it_through_the_api_the_agency_signs_in_to_its_pages(client, new_account):
    client.post(reverse("login"), {"username": new_account.username, "password": new_account.password})
    assert client.get("/").status_code == 302
    # The signed-in browser session with the one-time password may still use the
    # password endpoint (it authenticates by the body).
    changed = client.post(
        "/api/auth/password/",
        {
            "username": new_account.username,
            "old_password": new_account.password,
            "new_password": NEW_PASSWORD,
        },
        content_type="application/json",
    )
    assert changed.status_code == 200
    client.post(reverse("login"), {"username": new_account.username, "password": NEW_PASSWORD})
    assert client.get(reverse("tasks:agency_home")).status_code == 200
