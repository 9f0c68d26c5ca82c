"""Every URL × every role: the expected answer, and no unauthorised read or write.

The URL list comes from Django's resolver, so a new page or API endpoint fails
`test_every_url_is_in_the_matrix` until it gets a row below. A row says how to fill the
URL's parameters from the `world` cast (objects of plan A) and what each role gets on
GET. On top of the rows, rules that hold for every URL whatever its row:

- anonymous never gets a 200: a redirect to the login page, 401, 403, 404 or 405;
- the office of plan B gets 403/404 on every URL naming a plan-A object, and no page it
  can open shows plan-A data;
- a POST by anonymous, by plan B's office or by the read-only leader to any URL writes
  nothing: no audit entry (every write leaves one) and no new row in plan A.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from agencies.models import AuditEntry
from tests import factories as f

ROLES = ["anonymous", "owner", "other_agency", "office", "other_office", "leader", "admin"]

# Not pages of carbonplan's own: Django's admin (its own staff permission system), the
# auth views (login, password change and reset: public by design or tested in
# test_security), the language switch, the API's schema and docs, the token endpoint
# (public, tested in test_security), the API root (a list of links) and the API's 404 for
# any other address under api/ (tested in tests/api).
SKIP_PREFIXES = ("admin/", "static/", "media/", "i18n/", "accounts/", "api/schema/", "api/docs/", "api/auth/")
SKIP_NAMES = {"api-root", "api-not-found"}
# The liveness probe ({"ok": true}) and the web app manifest (names, colours and icons,
# fetched by browsers without the session): no data.
PUBLIC = {"healthz", "webmanifest"}

# Strings that only plan A's objects carry; none may reach plan B's office.
PLAN_A_MARKERS = [
    "甲县碳达峰实施方案",
    "大力发展新能源",
    "甲县机密进展",
    "新增公共充电桩",
    "县发改局",
    "甲县方案导入",
]

# Expected GET answers, one column per role: "login" is a redirect to the login page.
# 405: the URL only takes POST (the POST test below holds outsiders to 403/404 there).
GET_TABLE = """
# URL name                      anon owner  o_ag office o_off leader admin
agencies:audit                 login   404   404    200   200    404   200
agencies:audit-export          login   404   404    200   200    404   200
agencies:channel               login   404   404    200   404    403   200
agencies:channel-action        login   405   405    405   405    405   405
agencies:delivery-resend       login   405   405    405   405    405   405
agencies:plan-channels         login   404   404    200   404    403   200
agencies:region-channels       login   404   404    404   404    404   200
agencies:first-login           login   302   302    302   302    302   302
home                           login   200   200    200   200    200   200
plans:accounts                 login   404   404    200   404    403   200
plans:account_active           login   405   405    405   405    405   405
plans:account_reset            login   405   405    405   405    405   405
plans:breakdown_xlsx           login   404   404    200   404    403   200
plans:detail                   login   200   200    200   404    200   200
plans:import_commit            login   405   405    405   405    405   405
plans:import_upper_link        login   405   405    405   405    405   405
plans:import_discard           login   405   405    405   405    405   405
plans:import_duplicate         login   404   404    302   404    403   302
plans:import_list              login   404   404    200   200    403   200
plans:import_region            login   405   405    405   405    405   405
plans:import_review            login   404   404    200   404    403   200
plans:schedule                 login   404   404    200   404    403   200
plans:task_restore             login   405   405    405   405    405   405
reports:adjustment-add         login   405   405    405   405    405   405
reports:adjustment-evidence    login   200   404    200   404    200   200
reports:adjustment-remove      login   405   405    405   405    405   405
reports:assessment             login   200   200    200   404    200   200
reports:assessment-action      login   405   405    405   405    405   405
reports:assessment-agency      login   200   404    200   404    200   200
reports:assessment-scheme      login   200   200    200   404    200   200
reports:assessment-start       login   405   405    405   405    405   405
reports:assessment-status      login   200   200    200   404    200   200
reports:assessment-xlsx        login   404   404    200   404    200   200
reports:assessments            login   200   200    200   200    200   200
reports:notice-download        login   404   404    200   404    200   200
reports:notice-edit            login   404   404    200   404    403   200
reports:notice-generate        login   405   405    405   405    405   405
reports:notice-status          login   404   404    200   404    200   200
reports:objection-answer       login   405   405    405   405    405   405
reports:objection-raise        login   405   405    405   405    405   405
reports:plan-assessments       login   200   200    200   404    200   200
reports:briefing               login   404   404    200   404    200   200
reports:bulletin-download      login   404   404    200   404    200   200
reports:bulletin-edit          login   404   404    200   404    403   200
reports:bulletin-generate      login   405   405    405   405    405   405
reports:bulletin-status        login   404   404    200   404    200   200
reports:bulletins              login   200   200    200   200    200   200
reports:chase                  login   404   404    200   404    403   200
reports:dashboard              login   404   404    200   404    200   200
reports:dashboard-task         login   404   404    200   404    200   200
reports:leader                 login   404   404    200   404    200   200
reports:missing                login   404   404    200   404    403   200
reports:projects               login   404   404    200   404    200   200
reports:project-edit           login   404   404    200   404    403   200
reports:missing-index          login   404   404    302   302    404   200
reports:plan-agencies          login   404   404    200   404    403   200
reports:plan-bulletins         login   404   404    200   404    200   200
reports:region                 login   404   404    404   404    404   200
reports:region-briefing        login   404   404    404   404    404   200
reports:warning-rule           login   404   404    200   404    403   200
tasks:agency_home              login   200   200    302   302    302   302
tasks:hand_down                login   404   404    200   404    403   200
tasks:hand_down_answer         login   404   404    200   404    403   200
reports:lower-chases           login   404   404    200   404    200   200
tasks:progress_source          login   405   405    405   405    405   405
tasks:unlink                   login   405   405    405   405    405   405
tasks:evidence_delete          login   405   405    405   405    405   405
tasks:evidence_download        login   200   404    200   404    200   200
tasks:evidence_upload          login   405   405    405   405    405   405
tasks:notifications            login   200   200    200   200    200   200
tasks:period_settings          login   404   404    200   404    403   200
tasks:report_approve           login   405   405    405   405    405   405
tasks:report_autosave          login   405   405    405   405    405   405
tasks:report_detail            login   200   404    200   404    200   200
tasks:report_form              login   200   200    403   404    403   403
tasks:report_history           login   200   404    200   404    200   200
tasks:report_return            login   405   405    405   405    405   405
tasks:report_return_input      login   405   405    405   405    405   405
tasks:review                   login   404   404    200   200    200   200
tasks:review_batch_approve     login   405   405    405   405    405   405
tasks:workbook_download        login   200   200    403   404    403   403
tasks:workbook_upload          login   200   200    403   404    403   403
tasks:report_withdraw          login   405   405    405   405    405   405
action-detail                    401   200   200    200   404    200   200
action-list                      401   200   200    200   200    200   200
agency-detail                    401   200   200    200   404    200   200
assessment-detail                401   200   404    200   404    200   200
assessment-list                  401   200   200    200   200    200   200
agency-list                      401   200   200    200   200    200   200
bulletin-detail                  401   404   404    200   404    200   200
bulletin-list                    401   200   200    200   200    200   200
channel-deliveries               401   404   404    200   404    403   200
channel-detail                   401   404   404    200   404    403   200
channel-list                     401   200   200    200   200    200   200
channel-test                     401   405   405    405   405    405   405
indicator-detail                 401   200   200    200   404    200   200
indicator-list                   401   200   200    200   200    200   200
indicatorvalue-detail            401   200   200    200   404    200   200
indicatorvalue-list              401   200   200    200   200    200   200
period-detail                    401   200   200    200   404    200   200
period-list                      401   200   200    200   200    200   200
plan-detail                      401   200   200    200   404    200   200
plan-list                        401   200   200    200   200    200   200
progressreport-approve           401   405   405    405   405    405   405
progressreport-detail            401   200   404    200   404    200   200
progressreport-list              401   200   200    200   200    200   200
progressreport-return-           401   405   405    405   405    405   405
progressreport-submit            401   405   405    405   405    405   405
progressreport-withdraw          401   405   405    405   405    405   405
project-detail                   401   200   200    200   404    200   200
project-list                     401   200   200    200   200    200   200
projectupdate-detail             401   200   404    200   404    200   200
projectupdate-list               401   200   200    200   200    200   200
task-detail                      401   200   200    200   404    200   200
task-hand-down                   401   405   405    405   405    405   405
handdown-list                    401   200   200    200   200    200   200
handdown-detail                  401   404   404    200   404    200   200
handdown-answer                  401   405   405    405   405    405   405
task-unlink                      401   405   405    405   405    405   405
task-list                        401   200   200    200   200    200   200
"""
COLUMNS = ["anonymous", "owner", "other_agency", "office", "other_office", "leader", "admin"]
MATRIX = {
    line.split()[0]: dict(zip(COLUMNS, line.split()[1:], strict=True))
    for line in GET_TABLE.strip().splitlines()
    if not line.startswith("#")
}

# Which object of plan A fills a parameter, where the name alone does not say.
FILL = {
    "plans:detail": {"pk": "plan"},
    "plans:breakdown_xlsx": {"pk": "plan"},
    "plans:import_review": {"pk": "plan_import"},
    "plans:import_region": {"pk": "plan_import"},
    "plans:import_commit": {"pk": "plan_import"},
    "plans:import_upper_link": {"pk": "plan_import"},
    "plans:import_discard": {"pk": "plan_import"},
    "plans:import_duplicate": {"pk": "plan_import"},
    "plans:schedule": {"pk": "plan"},
    "plans:accounts": {"pk": "plan"},
    "plans:account_reset": {"pk": "plan", "user_id": "account"},
    "plans:account_active": {"pk": "plan", "user_id": "account"},
    "plans:task_restore": {"pk": "plan"},
    "tasks:report_detail": {"pk": "report"},
    "tasks:report_history": {"pk": "report"},
    "tasks:report_approve": {"pk": "report"},
    "tasks:report_return": {"pk": "report"},
    "tasks:report_return_input": {"pk": "report"},
    "tasks:report_withdraw": {"pk": "report"},
    "tasks:evidence_download": {"pk": "evidence"},
    "tasks:evidence_delete": {"pk": "evidence"},
    "tasks:period_settings": {"pk": "period"},
    "reports:bulletin-download": {"fmt": "pdf"},
    "reports:dashboard": {"pk": "plan"},
    "reports:dashboard-task": {"pk": "plan"},
    "reports:leader": {"pk": "plan"},
    "reports:projects": {"pk": "plan"},
    "reports:project-edit": {"pk": "plan", "project_pk": "project"},
    "reports:briefing": {"pk": "plan"},
    "reports:region": {"pk": "region"},
    "reports:region-briefing": {"pk": "region"},
    "plan-detail": {"pk": "plan"},
    "action-detail": {"pk": "action"},
    "task-detail": {"pk": "task"},
    "task-hand-down": {"pk": "task"},
    "task-unlink": {"pk": "task"},
    "tasks:hand_down_answer": {"pk": "hand_down"},
    "handdown-detail": {"pk": "hand_down"},
    "handdown-answer": {"pk": "hand_down"},
    "agency-detail": {"pk": "agency"},
    "indicator-detail": {"pk": "indicator"},
    "period-detail": {"pk": "period"},
    "progressreport-detail": {"pk": "report"},
    "progressreport-submit": {"pk": "report"},
    "progressreport-approve": {"pk": "report"},
    "progressreport-return-": {"pk": "report"},
    "progressreport-withdraw": {"pk": "report"},
    "project-detail": {"pk": "project"},
    "projectupdate-detail": {"pk": "project_update"},
    "indicatorvalue-detail": {"pk": "indicator_value"},
    "bulletin-detail": {"pk": "bulletin"},
    "channel-detail": {"pk": "channel"},
    "channel-deliveries": {"pk": "channel"},
    "channel-test": {"pk": "channel"},
    "assessment-detail": {"pk": "score"},
}

# Writes: who must be refused (403/404, or 401 for the API without a token) and leave
# plan A untouched. The report is the lead agency's (owner's) submitted report of task
# A1; other_agency supports that task.
OUTSIDERS = ["other_office"]
WRITE_REFUSED = {
    "plans:import_region": ["owner", "other_agency", "leader", *OUTSIDERS],
    "plans:import_commit": ["owner", "other_agency", "leader", *OUTSIDERS],
    "plans:import_upper_link": ["owner", "other_agency", "leader", *OUTSIDERS],
    "plans:import_discard": ["owner", "other_agency", "leader", *OUTSIDERS],
    "plans:import_duplicate": ["owner", "other_agency", "leader", *OUTSIDERS],
    "plans:schedule": ["owner", "other_agency", "leader", *OUTSIDERS],
    "plans:accounts": ["owner", "other_agency", "leader", *OUTSIDERS],
    "plans:account_reset": ["owner", "other_agency", "leader", *OUTSIDERS],
    "plans:account_active": ["owner", "other_agency", "leader", *OUTSIDERS],
    "plans:task_restore": ["owner", "other_agency", "leader", *OUTSIDERS],
    "tasks:report_approve": ["owner", "other_agency", "leader", *OUTSIDERS],
    "tasks:report_return": ["owner", "other_agency", "leader", *OUTSIDERS],
    # The lead's own report is no supporter's input: the lead's staff are refused by the
    # service (nothing written), everyone else before it.
    "tasks:report_return_input": ["other_agency", "office", "leader", *OUTSIDERS],
    "tasks:report_autosave": ["office", "leader", *OUTSIDERS],
    "tasks:report_withdraw": ["other_agency", "office", "leader", *OUTSIDERS],
    "tasks:review_batch_approve": ["owner", "other_agency", "leader", *OUTSIDERS],
    "tasks:evidence_upload": ["office", "leader", *OUTSIDERS],
    "tasks:evidence_delete": ["other_agency", "office", "leader", *OUTSIDERS],
    "tasks:period_settings": ["owner", "other_agency", "leader", *OUTSIDERS],
    "tasks:hand_down": ["owner", "other_agency", "leader", *OUTSIDERS],
    "tasks:progress_source": ["owner", "other_agency", "leader", *OUTSIDERS],
    # Plan A's task answers no upper task: nobody takes a link back from it.
    "tasks:unlink": ["owner", "other_agency", "office", "leader", *OUTSIDERS],
    "task-hand-down": ["owner", "other_agency", "leader", *OUTSIDERS],
    "task-unlink": ["owner", "other_agency", "office", "leader", *OUTSIDERS],
    # A task handed down to plan A from a plan of another region: plan A's office answers it.
    "tasks:hand_down_answer": ["owner", "other_agency", "leader", *OUTSIDERS],
    "handdown-answer": ["owner", "other_agency", "leader", *OUTSIDERS],
    # No region lies above plan A's: nobody but the administrator chases it, its own office neither.
    "reports:lower-chases": ["owner", "other_agency", "office", "leader", *OUTSIDERS],
    "tasks:workbook_upload": ["office", "leader", *OUTSIDERS],
    "reports:bulletin-generate": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:chase": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:bulletin-edit": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:warning-rule": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:project-edit": ["owner", "other_agency", "leader", *OUTSIDERS],
    "progressreport-submit": ["office", "other_agency", "leader", *OUTSIDERS],
    "agencies:plan-channels": ["owner", "other_agency", "leader", *OUTSIDERS],
    "agencies:region-channels": ["owner", "other_agency", "office", "leader", *OUTSIDERS],
    "agencies:channel": ["owner", "other_agency", "leader", *OUTSIDERS],
    "agencies:channel-action": ["owner", "other_agency", "leader", *OUTSIDERS],
    "agencies:delivery-resend": ["owner", "other_agency", "leader", *OUTSIDERS],
    "channel-test": ["owner", "other_agency", "leader", *OUTSIDERS],
    "progressreport-approve": ["owner", "other_agency", "leader", *OUTSIDERS],
    "progressreport-return-": ["owner", "other_agency", "leader", *OUTSIDERS],
    "progressreport-withdraw": ["office", "other_agency", "leader", *OUTSIDERS],
    "reports:assessment-start": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:assessment-scheme": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:assessment-action": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:objection-raise": ["office", "leader", *OUTSIDERS],
    "reports:objection-answer": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:adjustment-add": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:adjustment-remove": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:notice-generate": ["owner", "other_agency", "leader", *OUTSIDERS],
    "reports:notice-edit": ["owner", "other_agency", "leader", *OUTSIDERS],
}

# URL names that exist but whose row is still being written; each is still held to the
# rules for anonymous users and plan B's office (filled by parameter name).
PENDING = set()

# How a parameter is filled when a row does not say: by its name.
PARAM_OBJECT = {
    "plan_id": "plan",
    "task_id": "task",
    "period_id": "period",
    "report_id": "report",
    "bulletin_id": "bulletin",
    "task_pk": "task",
    "evidence_id": "evidence",
    "indicator_id": "indicator",
    "region_id": "region",
    "import_id": "plan_import",
    "channel_id": "channel",
    "delivery_id": "delivery",
    "assessment_id": "assessment",
    "agency_id": "agency",
    "objection_id": "objection",
    "adjustment_id": "adjustment",
    "notice_id": "notice",
}
LITERALS = {"fmt": "pdf", "format": "json", "year": "2026", "action": "recompute"}


def walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x) if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + str(p.pattern), name, list(p.pattern.regex.groupindex)


def project_urls():
    """(route, name, parameters) of every URL the matrix covers, once per name."""
    seen = {}
    for route, name, params in walk(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES) or name in SKIP_NAMES or name in PUBLIC:
            continue
        if "format" in params:  # DRF's format-suffix twins of the same views
            continue
        seen.setdefault(name or route, (route, name, params))
    return sorted(seen.values(), key=lambda r: r[1] or r[0])


URLS = project_urls()
NAMES = [name for _, name, _ in URLS]


def test_every_url_is_in_the_matrix():
    unknown = [
        f"{name or '(unnamed)'}  {route}"
        for route, name, _ in URLS
        if name not in MATRIX and name not in PENDING
    ]
    assert not unknown, "URL patterns with no row in the permission matrix:\n" + "\n".join(unknown)


def test_the_matrix_has_no_rows_for_urls_that_are_gone():
    assert not (set(MATRIX) | PENDING) - set(NAMES)


def test_every_parameter_can_be_filled():
    unfilled = []
    for _, name, params in URLS:
        for param in params:
            if param not in FILL.get(name, {}) and param not in PARAM_OBJECT and param not in LITERALS:
                unfilled.append(f"{name}: {param}")
    assert not unfilled, "Parameters the matrix does not know how to fill:\n" + "\n".join(unfilled)


def test_the_write_table_names_only_urls_in_the_matrix():
    assert set(WRITE_REFUSED) <= set(MATRIX)


# The office's own pages. Agency staff get the 404 an outsider gets on each of them, on
# GET and on POST, even for a plan they report on; the plan's leaders (read-only) 403.
# (Approving or returning a report the agency itself wrote is an action on an object it
# sees, refused with 403: not an office page.)
OFFICE_PAGES = {
    "plans:accounts",
    "plans:account_reset",
    "plans:account_active",
    "plans:breakdown_xlsx",
    "plans:import_duplicate",
    "plans:import_list",
    "plans:import_review",
    "plans:import_region",
    "plans:import_commit",
    "plans:import_upper_link",
    "plans:import_discard",
    "plans:schedule",
    "plans:task_restore",
    "reports:chase",
    "reports:missing",
    "reports:missing-index",
    "reports:plan-agencies",
    "reports:warning-rule",
    "reports:bulletin-generate",
    "reports:bulletin-edit",
    "reports:notice-edit",
    "tasks:period_settings",
    "tasks:hand_down",
    "tasks:hand_down_answer",
    "tasks:progress_source",
    "tasks:review",
    "tasks:review_batch_approve",
    "agencies:plan-channels",
    "agencies:channel",
    "agencies:channel-action",
    "reports:project-edit",
}
AGENCY_STAFF = ["owner", "other_agency"]


def test_agency_staff_get_no_403_on_any_page():
    """A 403 would tell agency staff the page exists and is someone else's: every URL
    they may not open answers them 404 (or 405 where it only takes POST)."""
    answers = {f"{name} {role}": MATRIX[name][role] for name in MATRIX for role in AGENCY_STAFF}
    assert not [k for k, v in answers.items() if v == "403"]


def test_every_office_page_is_listed_as_one():
    """A page the office opens and its leaders may only read is an office page."""
    office_like = {
        name
        for name, row in MATRIX.items()
        if row["office"] in ("200", "302") and row["leader"] == "403" and ":" in name
    }
    assert office_like <= OFFICE_PAGES, sorted(office_like - OFFICE_PAGES)
    assert OFFICE_PAGES <= set(MATRIX)


@pytest.mark.parametrize("name", sorted(OFFICE_PAGES))
def test_agency_staff_get_404_on_every_office_page(cast, client, name):
    route, _name, params = next(u for u in URLS if u[1] == name)
    url = url_for(cast, route, name, params)
    for role in AGENCY_STAFF:
        c = client_for(client, cast, role)
        get = c.get(url)
        assert get.status_code in (404, 405), f"GET {url} as {role}: {get.status_code}"
        before = plan_a_footprint(cast)
        post = c.post(url, {"comment": "越权", "plan": cast.plan_a.pk, "report": cast.objects["report"].pk})
        assert post.status_code in (404, 405), f"POST {url} as {role}: {post.status_code}"
        assert plan_a_footprint(cast) == before


@pytest.fixture
def cast(world):
    """The world, plus a report, evidence file, indicator value, bulletin and plan import
    in plan A that carry markers only plan A has."""
    report = f.ReportFactory(
        task=world.task_a1,
        agency=world.own,
        period=world.period_a,
        state="submitted",
        status="in_progress",
        percent=Decimal("40"),
        progress_text="甲县机密进展：已建成充电桩12个",
        submitted_at=dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC),
    )
    from plans.models import PlanImport
    from reports.models import Bulletin
    from tasks.models import Evidence

    evidence = Evidence(
        report=report, original_name="验收单.pdf", content_type="application/pdf", size=8, sha256="0" * 64
    )
    evidence.file.save("验收单.pdf", ContentFile(b"%PDF-1.4"), save=False)
    evidence.save()
    bulletin = Bulletin(
        plan=world.plan_a, period=world.period_a, version=1, state="ready", requested_by=world.users.office
    )
    bulletin.pdf.save("甲县通报.pdf", ContentFile(b"%PDF-1.4 bulletin"), save=False)
    bulletin.save()
    plan_import = PlanImport(
        region=world.county_a,
        plan=world.plan_a,
        original_name="甲县方案导入.txt",
        uploaded_by=world.users.office,
    )
    plan_import.file.save("甲县方案导入.txt", ContentFile("甲县方案导入".encode()), save=False)
    plan_import.save()
    value = f.IndicatorValueFactory(indicator=world.indicator_a, period=world.period_a, agency=world.own)
    from agencies.channels.models import Delivery
    from agencies.channels.services import channel_create

    channel, _ = channel_create(
        plan=world.plan_a, kind="dingtalk", webhook="https://oapi.dingtalk.com/robot/send?access_token=a1b2c3d4e5f6",
        name="甲县碳达峰工作群", by=world.users.office,
    )  # fmt: skip
    delivery = Delivery.objects.create(
        channel=channel,
        event_key="t",
        event_kind="report_returned",
        title="甲县机密进展被退回",
        status="failed",
    )
    assessment = _assessment(world)
    from tasks.models import Project, ProjectUpdate

    project = Project.objects.create(task=world.task_a1, name="甲县机密风电场", capacity=5, unit="万千瓦")
    project_update = ProjectUpdate.objects.create(
        project=project, period=world.period_a, report=report, stage="building", problems="甲县机密进展：征地"
    )
    upper_plan = f.PlanFactory(region=f.RegionFactory(name="丙市", level="city"), title="丙市工作要点")
    upper_task = f.TaskFactory(action=f.ActionFactory(plan=upper_plan, seq=1), seq=1, title="丙市下达任务")
    from tasks.models import HandDown

    hand_down = HandDown.objects.create(task=upper_task, plan=world.plan_a)
    world.objects = {
        "hand_down": hand_down,
        "project": project,
        "project_update": project_update,
        "plan": world.plan_a,
        "action": world.action_a,
        "task": world.task_a1,
        "period": world.period_a,
        "report": report,
        "evidence": evidence,
        "bulletin": bulletin,
        "plan_import": plan_import,
        "indicator": world.indicator_a,
        "indicator_value": value,
        "agency": world.own,
        "region": world.county_a,
        "channel": channel,
        "delivery": delivery,
        "account": world.users.colleague,
        **assessment,
    }
    return world


def _assessment(world):
    """Plan A's 2026 round open for objections (公示 since 2026-01-01), with a bonus item
    and its evidence, an objection and a generated result notice."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reports.assessment import services
    from reports.models import AssessmentNotice
    from reports.rollups import recompute_marked

    office = world.users.office
    scheme = services.scheme_save(plan=world.plan_a, year=2026, data={}, by=office)
    services.scheme_publish(scheme=scheme, by=office)
    assessment = services.assessment_start(plan=world.plan_a, year=2026, by=office)
    # The figures count the cast's writes first (their job runs at commit in production).
    recompute_marked(today=dt.date(2026, 5, 1))
    services.assessment_compute(assessment_id=assessment.pk, today=dt.date(2026, 5, 1))
    adjustment = services.adjustment_add(
        assessment=assessment, agency=world.own, kind="bonus", points=Decimal(1), reason="省级表彰",
        upload=SimpleUploadedFile("表彰.pdf", b"%PDF-1.4 commendation"), by=office,
    )  # fmt: skip
    services.assessment_compute(assessment_id=assessment.pk, today=dt.date(2026, 5, 1))
    assessment.refresh_from_db()
    services.assessment_open_objections(
        assessment=assessment, opens_on=dt.date(2026, 1, 1), closes_on=dt.date(2099, 12, 31), by=office
    )
    objection = services.objection_raise(
        assessment=assessment,
        agency=world.own,
        comment="申诉理由",
        by=world.users.owner,
        today=dt.date(2026, 5, 2),
    )
    notice = AssessmentNotice.objects.create(assessment=assessment, version=1, state="done")
    notice.docx.save("通报.docx", ContentFile(b"PK docx"), save=True)
    score = assessment.scores.get(agency=world.own)
    return {"assessment": assessment, "adjustment": adjustment, "objection": objection, "notice": notice,
            "score": score}  # fmt: skip


def url_for(world, route, name, params):
    kwargs = {}
    for param in params:
        key = FILL.get(name, {}).get(param) or PARAM_OBJECT.get(param)
        if key in world.objects:
            kwargs[param] = world.objects[key].pk
        else:
            kwargs[param] = key or LITERALS[param]
    path = "/" + route
    # Routes are either path() converters or the router's regexes; fill both forms.
    for param, value in kwargs.items():
        path = re.sub(rf"\(\?P<{param}>[^)]*\)", str(value), path)
        path = re.sub(rf"<(?:\w+:)?{param}>", str(value), path)
    return path.replace("^", "").replace("$", "").replace("\\", "")


def client_for(client, world, role):
    client.logout()
    if role != "anonymous":
        client.force_login(getattr(world.users, role))
    return client


def assert_denied_to_anonymous(response, url):
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/"), (url, response["Location"])
    else:
        assert response.status_code in (401, 403, 404, 405), (url, response.status_code)


def assert_no_plan_a_data(response, url):
    if response.status_code != 200 or getattr(response, "streaming", False):
        return
    body = response.content.decode("utf-8", errors="replace")
    leaked = [m for m in PLAN_A_MARKERS if m in body]
    assert not leaked, f"{url} shows plan A data to plan B's office: {leaked}"


def plan_a_footprint(world):
    from agencies.channels.models import Channel, Delivery
    from plans.models import Action, PlanImport
    from reports.models import Bulletin
    from tasks.models import Evidence, ProgressReport, Project, Task

    plan = world.plan_a
    return {
        "audit": AuditEntry.objects.filter(plan=plan).count(),
        "actions": Action.objects.filter(plan=plan).count(),
        "tasks": Task.objects.filter(action__plan=plan).count(),
        "reports": sorted(
            ProgressReport.objects.filter(task__action__plan=plan).values_list(
                "pk", "state", "version", "progress_text"
            )
        ),
        "evidence": Evidence.objects.filter(report__task__action__plan=plan).count(),
        "bulletins": Bulletin.objects.filter(plan=plan).count(),
        "upper_chases": plan.upper_chases.count(),
        "imports": sorted(PlanImport.objects.filter(plan=plan).values_list("pk", "state")),
        "period": list(type(world.period_a).objects.filter(pk=world.period_a.pk).values()),
        "channels": sorted(
            Channel.objects.filter(plan=plan).values_list("pk", "webhook_encrypted", "paused_at", "events")
        ),
        "deliveries": sorted(
            Delivery.objects.filter(channel__plan=plan).values_list("pk", "status", "attempts")
        ),
        "projects": sorted(
            Project.objects.filter(task__action__plan=plan).values_list(
                "pk", "agency_id", "planned_start", "planned_finish", "investment_planned"
            )
        ),
        "accounts": sorted(
            type(world.users.owner)
            .objects.filter(carbon_roles__agency__assignments__task__action__plan=plan)
            .values_list("pk", "password", "is_active")
            .distinct()
        ),
    }


@pytest.mark.parametrize("route, name, params", URLS, ids=NAMES)
def test_get_answers_each_role_as_the_matrix_says(cast, client, route, name, params):
    url = url_for(cast, route, name, params)
    expect = MATRIX.get(name, {})
    wrong = []
    for role in ROLES:
        response = client_for(client, cast, role).get(url)
        status = response.status_code
        if role == "anonymous":
            assert_denied_to_anonymous(response, url)
        if role == "other_office":
            if params:
                assert status in (403, 404, 405), f"{url}: plan B's office got {status}"
            assert_no_plan_a_data(response, url)
        assert status < 500, f"{url} as {role}: {status}"
        if role in expect:
            wanted = "login" if role == "anonymous" and status == 302 else str(status)
            if wanted != expect[role]:
                wrong.append(f"{role}: got {wanted}, matrix says {expect[role]}")
    assert not wrong, f"GET {url}\n" + "\n".join(wrong)


@pytest.mark.parametrize("route, name, params", URLS, ids=NAMES)
def test_post_by_outsiders_and_read_only_users_writes_nothing(cast, client, route, name, params):
    url = url_for(cast, route, name, params)
    refused = set(WRITE_REFUSED.get(name, [])) | {"anonymous", "other_office"}
    if params:
        refused.add("leader")
    for role in sorted(refused):
        before = plan_a_footprint(cast)
        response = client_for(client, cast, role).post(
            url, {"comment": "越权操作", "title": "越权", "percent": "99"}
        )
        status = response.status_code
        assert status < 500, f"POST {url} as {role}: {status}"
        if role == "anonymous":
            assert_denied_to_anonymous(response, url)
        elif name in WRITE_REFUSED or (role == "other_office" and params):
            assert status in (403, 404, 405), f"POST {url} as {role}: got {status}"
        if role == "other_office":
            assert_no_plan_a_data(response, url)
        assert plan_a_footprint(cast) == before, f"POST {url} as {role} changed plan A"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("role", ["anonymous", "other_agency", "office", "other_office", "leader"])
def test_only_the_reporting_agency_changes_its_report_through_the_api(cast, client, method, role):
    """PUT/PATCH/DELETE on plan A's report: refused for everyone but its agency's staff."""
    url = f"/api/progress-reports/{cast.objects['report'].pk}/"
    before = plan_a_footprint(cast)
    body = '{"progress_text": "越权修改", "percent": "99", "version": 1}'
    response = getattr(client_for(client, cast, role), method)(url, body, content_type="application/json")
    expected = {401} if role == "anonymous" else {403, 404, 405}
    assert response.status_code in expected, f"{method.upper()} {url} as {role}: {response.status_code}"
    assert plan_a_footprint(cast) == before


# POST /api/periods/ (the list URL also answers GET, so its write rule is its own).
PERIOD_CREATE = {
    "anonymous": 401, "owner": 403, "other_agency": 403, "office": 201, "other_office": 404, "leader": 403,
    "admin": 201,
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_only_the_plans_office_adds_a_quarter_through_the_api(cast, client, role):
    before = plan_a_footprint(cast)
    response = client_for(client, cast, role).post(
        "/api/periods/", {"plan": cast.plan_a.pk, "label": "2027Q1"}, content_type="application/json"
    )
    assert response.status_code == PERIOD_CREATE[role], response.content
    if response.status_code != 201:
        assert plan_a_footprint(cast) == before
        assert not type(cast.period_a).objects.filter(plan=cast.plan_a, label="2027Q1").exists()


# POST /api/channels/ (the list URL also answers GET, so its write rule is its own).
CHANNEL_CREATE = {
    "anonymous": 401, "owner": 403, "other_agency": 403, "office": 201, "other_office": 404, "leader": 403,
    "admin": 201,
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_only_the_plans_office_adds_a_group_robot_through_the_api(cast, client, role):
    from agencies.channels.models import Channel

    before = plan_a_footprint(cast)
    response = client_for(client, cast, role).post(
        "/api/channels/",
        {
            "plan": cast.plan_a.pk,
            "kind": "wecom",
            "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
        },
        content_type="application/json",
    )
    assert response.status_code == CHANNEL_CREATE[role], response.content
    if response.status_code != 201:
        assert plan_a_footprint(cast) == before
        assert not Channel.objects.filter(kind="wecom").exists()


# Up and down the supervision chain (tests/conftest.py `chain`): a task of the 岳阳市 plan
# handed down to the 岳阳县 plan and waiting for its answer. Each page × role: the GET
# answer, and whether a POST is refused (403/404, nothing written) or goes through.
CHAIN_ROLES = [
    "city_office", "city_plan_office", "city_leader", "province_leader",
    "county_office", "county2_office", "sibling_office", "county_agency",
]  # fmt: skip
CHAIN_TABLE = """
# page                     city_off city_plan city_lead prov_lead county county2 sibling agency
answer-page                   200     403       403       403      200    404     404    404
answer-api                    201     403       403       403      201    404     404    404
chase-county                  302     302       403       403      403    404     404    404
chase-county-get              200     200       200       200      200    404     404    404
chase-city-get                200     200       200       200      404    404     404    404
chase-city                    403     403       403       403      404    404     404    404
"""
CHAIN_MATRIX = {
    line.split()[0]: dict(zip(CHAIN_ROLES, line.split()[1:], strict=True))
    for line in CHAIN_TABLE.strip().splitlines()
    if not line.startswith("#")
}


@pytest.mark.parametrize("page", sorted(CHAIN_MATRIX))
@pytest.mark.parametrize("role", CHAIN_ROLES)
def test_the_chain_answers_each_role_on_hand_downs_and_upper_chases(chain, client, page, role):
    """Upper office vs lower plan, sibling county and city, a county office looking up,
    an agency and the leaders: what each gets answering a hand-down and chasing a plan."""
    from rest_framework.test import APIClient

    from reports.models import LowerChase
    from tasks.handdown import task_hand_down
    from tasks.models import HandDown, Task

    task_hand_down(
        task=chain.upper, plans=[chain.county_plan], waiting=[chain.county_plan], by=chain.users.admin
    )
    hand_down = HandDown.objects.get(task=chain.upper, plan=chain.county_plan)
    user = getattr(chain.users, role)
    client.force_login(user)
    before = (
        LowerChase.objects.count(),
        Task.objects.filter(parent=chain.upper).count(),
        AuditEntry.objects.count(),
    )
    if page == "answer-page":
        status = client.get(f"/tasks/handed-down/{hand_down.pk}/").status_code
    elif page == "answer-api":
        api = APIClient()
        api.force_authenticate(user)
        status = api.post(
            f"/api/hand-downs/{hand_down.pk}/answer/", {"task": chain.county_task.pk}, format="json"
        ).status_code
    elif page.endswith("-get"):
        plan = chain.county_plan if "county" in page else chain.city_plan
        status = client.get(f"/reports/plans/{plan.pk}/upper-chases/").status_code
    else:
        plan = chain.county_plan if "county" in page else chain.city_plan
        subject = hand_down.pk if plan == chain.county_plan else chain.periods[plan.pk].pk
        kind = "hand_down" if plan == chain.county_plan else "reports"
        status = client.post(
            f"/reports/plans/{plan.pk}/upper-chases/", {"kind": kind, "subject": subject, "message": "请落实"}
        ).status_code
    expected = CHAIN_MATRIX[page][role]
    assert str(status) == expected, f"{page} as {role}: {status}, table says {expected}"
    after = (
        LowerChase.objects.count(),
        Task.objects.filter(parent=chain.upper).count(),
        AuditEntry.objects.count(),
    )
    if expected in ("403", "404") or page.endswith("-get") or page == "answer-page":
        assert after == before, f"{page} as {role} wrote something"
    else:
        assert after != before
