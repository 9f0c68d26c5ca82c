"""Accounts for a plan's agencies, with one-time passwords the office hands out.

One account per agency of the plan that has none yet (its username is stable:
``agency<agency id>``), plus one per named person the office invites. The initial
password is random, shown or downloaded once, and stored only as a hash; the account
is flagged (PasswordChangeRequired) until its owner chooses a password.

The plan's office also looks after those accounts: a forgotten password is replaced by
a new one-time password (the same sheet, the same first-login rule), and the account of
a person who left is deactivated (and can be reactivated). Only staff accounts of the
plan's agencies are the office's to change: an account that also holds an office,
leader or administrator role is left to the administrator.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carbonplan.downloads import Export
from carbonplan.spreadsheets import table_workbook

from .audit import audit_log
from .models import Agency, PasswordChangeRequired, Role

# No 0/O, 1/l/I: the password is read off a sheet of paper.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 12
SHEET_HEADERS = ["单位", "用户名", "初始密码", "姓名"]


@dataclass(frozen=True)
class AccountRow:
    agency: str
    username: str
    password: str
    person: str = ""


@dataclass(frozen=True)
class Invitation:
    agency: Agency
    name: str


def one_time_password() -> str:
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def plan_agencies(plan):
    """The agencies that lead or support a task of the plan."""
    return Agency.objects.filter(assignments__task__action__plan=plan).distinct().order_by("name")


def agency_accounts(plan) -> list[dict]:
    """Each agency of the plan with its staff accounts, for the office's page: whether
    each still holds its one-time password, is active, and when it last logged in
    (None: never). Two queries however many agencies and accounts."""
    agencies = list(plan_agencies(plan))
    roles = (
        Role.objects.filter(kind=Role.Kind.STAFF, agency__in=agencies)
        .select_related("user", "user__password_change_required")
        .order_by("user__username")
    )
    by_agency = {}
    for role in roles:
        user = role.user
        pending = hasattr(user, "password_change_required")
        by_agency.setdefault(role.agency_id, []).append(
            {
                "id": user.pk,
                "username": user.username,
                "name": user.first_name,
                "pending": pending,
                "active": user.is_active,
                "last_login": user.last_login,
                "never_logged_in": user.last_login is None,
            }
        )
    return [{"agency": a, "accounts": by_agency.get(a.pk, [])} for a in agencies]


def _free_username(base: str) -> str:
    User = get_user_model()
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _account_create(*, agency, plan, person: str, by) -> AccountRow:
    User = get_user_model()
    username = _free_username(f"agency{agency.pk}")
    password = one_time_password()
    user = User(username=username, first_name=person[:150], is_active=True)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    role = Role(user=user, kind=Role.Kind.STAFF, agency=agency)
    role.full_clean()
    role.save()
    PasswordChangeRequired.objects.create(user=user, created_by=by if by and by.is_authenticated else None)
    audit_log(
        actor=by,
        action="account.create",
        target=user,
        plan=plan,
        changes={"username": [None, username], "agency": [None, agency.name], "name": [None, person]},
    )
    return AccountRow(agency=agency.name, username=username, password=password, person=person)


@transaction.atomic
def agency_accounts_create(*, plan, by, invitations: list[Invitation] | None = None) -> list[AccountRow]:
    """Create an account for every agency of the plan without one, or, for an agency
    whose staff are invited by name, one for each invited person not already on its
    staff under that name. Running it again
    creates nothing twice. The rows carry the one-time passwords: hand them out, they
    are not kept."""
    agencies = list(plan_agencies(plan))
    staffed = set(
        Role.objects.filter(kind=Role.Kind.STAFF, agency__in=agencies, user__is_active=True).values_list(
            "agency_id", flat=True
        )
    )
    # An agency whose staff the office names gets their accounts instead of a shared one.
    staffed |= {invitation.agency.pk for invitation in invitations or []}
    rows = []
    for agency in agencies:
        if agency.pk not in staffed:
            rows.append(_account_create(agency=agency, plan=plan, person="", by=by))
    plan_agency_ids = {a.pk for a in agencies}
    for invitation in invitations or []:
        name = invitation.name.strip()
        if invitation.agency.pk not in plan_agency_ids:
            raise ValidationError(_("单位“%(name)s”不承担该方案的任务。") % {"name": invitation.agency.name})
        if not name:
            raise ValidationError(_("请填写受邀人员的姓名。"))
        exists = Role.objects.filter(
            kind=Role.Kind.STAFF, agency=invitation.agency, user__first_name=name[:150]
        ).exists()
        if not exists:
            rows.append(_account_create(agency=invitation.agency, plan=plan, person=name, by=by))
    return rows


def accounts_sheet(*, plan, rows: list[AccountRow]) -> Export:
    """The sheet the office prints or sends: 单位, 用户名, 初始密码 (and the person)."""
    book = table_workbook(
        title=_("单位账号"),
        headers=SHEET_HEADERS,
        rows=[[r.agency, r.username, r.password, r.person] for r in rows],
        widths=[30, 18, 18, 12],
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return book.export(f"accounts-plan{plan.pk}-{stamp}.xlsx")


# --- the office looks after its agencies' accounts -------------------------------------
def plan_staff_account(*, plan, user_id):
    """(user, agency): a staff account of one of the plan's agencies that the plan's
    office may change, or None (the caller answers 404). An account holding any other
    role (office, leader, administrator) or Django staff rights is the administrator's."""
    User = get_user_model()
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.is_superuser or user.is_staff:
        return None
    roles = list(Role.objects.filter(user=user).select_related("agency"))
    if not roles or any(r.kind != Role.Kind.STAFF for r in roles):
        return None
    agencies = {a.pk for a in plan_agencies(plan)}
    agency = next((r.agency for r in roles if r.agency_id in agencies), None)
    if agency is None:
        return None
    return user, agency


def _drop_tokens(user):
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()


@transaction.atomic
def account_password_reset(*, plan, user, agency, by) -> AccountRow:
    """A new one-time password for a staff account (its owner forgot it, or it was
    handed to the wrong person): the old password, API tokens and any login lockout go,
    and the account opens only the first-login page until a password is chosen. The
    row carries the password for the sheet; it is not kept."""
    if not user.is_active:
        raise ValidationError(
            _("账号“%(username)s”已停用，请先启用再重置密码。") % {"username": user.username}
        )
    password = one_time_password()
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    PasswordChangeRequired.objects.update_or_create(
        user=user, defaults={"created_by": by if by and by.is_authenticated else None}
    )
    _drop_tokens(user)
    from axes.utils import reset as axes_reset

    axes_reset(username=user.username)
    audit_log(
        actor=by,
        action="account.password_reset",
        target=user,
        plan=plan,
        changes={"username": user.username, "agency": agency.name},
    )
    return AccountRow(agency=agency.name, username=user.username, password=password, person=user.first_name)


@transaction.atomic
def account_set_active(*, plan, user, agency, active: bool, by) -> bool:
    """Deactivate the account of a person who left (no login, no token, no notice) or
    activate it again. Returns whether anything changed; a second click changes nothing."""
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _drop_tokens(user)
    audit_log(
        actor=by,
        action="account.activate" if active else "account.deactivate",
        target=user,
        plan=plan,
        changes={"is_active": [not active, active], "username": user.username, "agency": agency.name},
    )
    return True


# --- the one-time password ------------------------------------------------------------
def password_change_required(user) -> bool:
    return bool(user and user.is_authenticated) and PasswordChangeRequired.objects.filter(user=user).exists()


@transaction.atomic
def password_change(*, user, old_password: str, new_password: str) -> None:
    """Replace the password (the one-time one or any other), checked by the project's
    password rules; the one-time flag goes with it."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("原密码不正确。")})
    if new_password == old_password:
        raise ValidationError({"new_password": _("新密码不能与原密码相同。")})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    PasswordChangeRequired.objects.filter(user=user).delete()
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    audit_log(actor=user, action="account.password", target=user)
