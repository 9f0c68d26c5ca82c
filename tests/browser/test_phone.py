"""The agency and review pages on a phone, in Chromium's mobile emulation with touch: at
360, 390 and 414 px nothing scrolls sideways, every button, link-button and control is at
least 44 px tall (WCAG 2.5.5) and no text wraps narrower than four characters a line,
measured in the page; an agency reports from the phone end to end; the menu button works
without JavaScript and from the keyboard; the site installs without a service worker."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from agencies.models import Notification
from plans.demo import build_demo
from tasks.models import Evidence, ProgressReport
from tests import factories as f

from .phone import MIN_TARGET_PX, PHONE_WIDTHS, measure, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    # Built for today, as `manage.py demo` is: the server's current quarter is open.
    build_demo()


@pytest.fixture
def phone(browser):
    """phone(width, **options) → a new page in a phone-sized touch context."""
    contexts = []

    def _open(width, **options):
        context = phone_context(browser, width, **options)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        return page

    yield _open
    for context in contexts:
        context.close()


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "carbonplan")
    page.tap("button[type=submit]")
    page.wait_for_url(f"{base}/")


def fits(page, width, where):
    """The page's problems on a phone `width` px wide, as readable lines (none: it fits)."""
    m = measure(page)
    assert m["controls"], f"{where}: nothing measured"
    problems = []
    if m["innerWidth"] != width or m["scrollWidth"] > width:
        problems.append(
            f"{where} @{width}: {m['scrollWidth']} px wide on a {width} px screen ({', '.join(sticking_out(page, width))})"
        )
    problems += [f"{where} @{width}: {c['what']} is {c['height']} px tall" for c in m["tooSmall"]]
    problems += [
        f"{where} @{width}: “{t['text']}” ({t['what']}) wraps at {t['chars']} characters a line"
        for t in m["tooNarrow"]
    ]
    return problems


STICKING_OUT_JS = """
(width) => {
  const names = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right <= width + 0.5 || r.width === 0) continue;
    // Only the outermost element sticking out, and none inside a scrolling box.
    let inner = false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') { inner = true; break; }
      if (p.getBoundingClientRect().right > width + 0.5 && p !== document.body) { inner = true; break; }
    }
    if (!inner) names.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
      ' ' + Math.round(r.right) + ' px');
  }
  return names.slice(0, 5);
}
"""


def sticking_out(page, width):
    """The outermost elements that reach past the screen's right edge, to name the culprit."""
    return page.evaluate(STICKING_OUT_JS, width)


def check_menu(page, width, where):
    page.tap("label.nav-button")
    expect(page.locator("nav.mainnav")).to_be_visible()
    problems = fits(page, width, f"{where} menu")
    page.tap("label.nav-button")
    expect(page.locator("nav.mainnav")).to_be_hidden()
    return problems


def test_the_agency_pages_fit_phones_from_360_to_414_px(demo, phone, live_server):
    problems = []
    for width in PHONE_WIDTHS:
        page = phone(width)
        sign_in(page, live_server.url, "agency")
        page.goto(f"{live_server.url}/tasks/")
        quarter = page.locator("select[name=period] option").first.get_attribute("value")
        page.goto(f"{live_server.url}/tasks/?period={quarter}")
        # The quarter's due tasks first: the first card asks to be filled in.
        expect(page.locator("table.tasklist tbody tr").first.locator("td.card-actions")).to_have_text("填报")
        problems += fits(page, width, "agency home")
        problems += check_menu(page, width, "agency home")

        page.locator("table.tasklist td.card-actions a").first.tap()
        page.wait_for_selector("#report-form")
        problems += fits(page, width, "report form")

        # The lead's form with its supporters' inputs above: the consolidation view.
        page.goto(f"{live_server.url}/tasks/?period={quarter}")
        gathering = page.locator("table.tasklist tbody tr", has=page.locator(".inputs-count")).filter(
            has_not_text="配合单位材料 0/"
        )
        gathering.first.locator("td.card-title a").tap()
        expect(page.locator("#supporter-inputs article.supporter").first).to_be_visible()
        problems += fits(page, width, "consolidation")

        page.tap("a.navnotice")
        expect(page.locator("ul.notifications li").first).to_be_visible()
        problems += fits(page, width, "notifications")
        assert page.console_errors == []
    assert not problems, "\n".join(problems)


def quarter_under_review(page, base):
    labels = page.locator("select[name=period] option").evaluate_all("options => options.map(o => o.value)")
    for label in sorted(labels, reverse=True):
        page.goto(f"{base}/tasks/review/?period={label}&state=submitted")
        if page.locator("table.review-list td.card-actions button").count():
            return label
    raise AssertionError("no quarter has reports waiting for review")


def test_the_review_pages_fit_phones_from_360_to_414_px(demo, phone, live_server):
    problems = []
    for width in PHONE_WIDTHS:
        page = phone(width)
        sign_in(page, live_server.url, "office")
        page.goto(f"{live_server.url}/tasks/review/")
        problems += fits(page, width, "review list")
        problems += check_menu(page, width, "review list")
        # The quarter under review: the latest with reports waiting, each with its buttons.
        page.goto(f"{live_server.url}/tasks/review/?period={quarter_under_review(page, live_server.url)}")
        expect(page.locator("table.review-list td.card-actions button").first).to_have_text("通过")
        problems += fits(page, width, "review list with reports waiting")
        page.locator("table.review-list td.card-title a").first.tap()
        expect(page.locator(".review-actions").first).to_be_visible()
        problems += fits(page, width, "report page")
        assert page.console_errors == []
    assert not problems, "\n".join(problems)


def test_an_english_reader_gets_the_same_phone_pages(demo, phone, live_server):
    page = phone(360, locale="en-US")
    sign_in(page, live_server.url, "agency")
    page.goto(f"{live_server.url}/tasks/")
    problems = fits(page, 360, "agency home (English)") + check_menu(page, 360, "agency home (English)")
    page.locator("table.tasklist td.card-actions a").first.tap()
    page.wait_for_selector("#report-form")
    problems += fits(page, 360, "report form (English)")
    assert not problems, "\n".join(problems)


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (30, 110, 80)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_an_agency_reports_from_its_phone_with_a_photo(world, phone, live_server):
    # First in the plan, but done: it goes below the task still due.
    done = f.TaskFactory(action=world.action_a, seq=0, title="率先完成的任务")
    f.AssignmentFactory(task=done, agency=world.own, role="support")
    ProgressReport.objects.create(
        task=done, agency=world.own, period=world.period_a, state="approved", progress_text="已完成"
    )
    page = phone(390)
    problems = []
    sign_in(page, live_server.url, "owner")
    page.tap("label.nav-button")
    page.tap("nav.mainnav >> text=本单位任务")
    page.wait_for_url(re.compile(r"/tasks/"))
    problems += fits(page, 390, "agency home")
    first = page.locator("table.tasklist tbody tr").first
    expect(first.locator("td.card-title")).to_contain_text("大力发展新能源")  # due, before the approved one
    expect(page.locator("table.tasklist tbody tr").nth(1)).to_contain_text(done.title)
    first.locator("td.card-actions a").tap()

    page.wait_for_selector("#report-form")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=percent]", "40")
    page.fill("textarea[name=progress_text]", "已完成3个光伏项目备案，现场照片附后。")
    page.fill(f"input[name=ind_{world.indicator_a.pk}]", "8")
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存", timeout=10000)
    # The camera button: on a phone the browser opens the camera; here the photo is handed over.
    expect(page.locator("label.camera-pick")).to_be_visible()
    page.set_input_files(
        "#evidence-photo", files=[{"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    expect(page.locator("#evidence-picked")).to_contain_text("已选择：现场照片.jpg")
    problems += fits(page, 390, "report form")
    page.tap("button:has-text('提交审核')")

    expect(page.locator(".messages")).to_contain_text("已上传佐证材料“现场照片.jpg”")
    expect(page.locator(".messages")).to_contain_text("已提交")
    expect(page.locator("section.evidence")).to_contain_text("现场照片.jpg")
    problems += fits(page, 390, "submitted report")
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own, period=world.period_a)
    assert (report.state, report.percent, report.progress_text) == (
        "submitted",
        40,
        "已完成3个光伏项目备案，现场照片附后。",
    )
    evidence = Evidence.objects.get(report=report)
    assert (evidence.original_name, evidence.content_type) == ("现场照片.jpg", "image/jpeg")
    assert not problems, "\n".join(problems)
    assert page.console_errors == []


def test_the_menu_opens_without_javascript_and_keeps_the_unread_count_in_sight(world, phone, live_server):
    for i in range(2):
        Notification.objects.create(user=world.users.owner, kind="reminder", title=f"季度填报提醒{i}")
    page = phone(360, java_script_enabled=False)
    sign_in(page, live_server.url, "owner")
    menu = page.locator("nav.mainnav")
    expect(menu).to_be_hidden()
    notice = page.locator("a.navnotice")
    expect(notice).to_be_visible()
    expect(notice.locator(".unread-count")).to_contain_text("2")
    button = page.locator("label.nav-button")
    assert button.bounding_box()["height"] >= MIN_TARGET_PX
    # The counter and the button share the bar's line.
    assert abs(notice.bounding_box()["y"] - button.bounding_box()["y"]) < 2
    button.tap()
    expect(menu).to_be_visible()
    expect(page.locator("#site-menu button:has-text('退出')")).to_be_visible()
    page.tap("nav.mainnav >> text=本单位任务")
    page.wait_for_url(re.compile(r"/tasks/$"))
    expect(page.locator("table.tasklist")).to_contain_text("大力发展新能源")


def test_the_menu_button_answers_the_keyboard(world, phone, live_server):
    page = phone(390)
    sign_in(page, live_server.url, "owner")
    menu = page.locator("nav.mainnav")
    # Tab order: the title, the notices, then the menu button.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "nav-toggle"
    assert page.evaluate("getComputedStyle(document.querySelector('.nav-button')).outlineStyle") != "none"
    page.keyboard.press("Space")
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "首页"
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "nav-toggle"
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()


def test_the_site_installs_without_a_service_worker(world, phone, live_server):
    page = phone(390)
    sign_in(page, live_server.url, "owner")
    for path in (
        "/",
        "/tasks/",
        f"/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/",
        "/tasks/notifications/",
    ):
        page.goto(live_server.url + path)
        assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
        assert page.evaluate("navigator.serviceWorker.controller") is None
    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert (manifest["display"], manifest["start_url"], manifest["name"]) == (
        "standalone",
        "/",
        "碳达峰任务督办",
    )
    for icon in manifest["icons"] + [
        {"src": page.get_attribute("link[rel=apple-touch-icon]", "href"), "sizes": "180x180"}
    ]:
        size = page.evaluate(
            """src => new Promise((ok, fail) => { const img = new Image();
                 img.onload = () => ok(img.naturalWidth + 'x' + img.naturalHeight); img.onerror = fail; img.src = src; })""",
            icon["src"],
        )
        assert size == icon["sizes"]
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor")
        == "rgb(11, 110, 79)"
    )
    assert page.get_attribute("meta[name=theme-color]", "content") == "#0b6e4f"


def test_a_desktop_keeps_its_one_line_bar(world, page, live_server, login_as):
    login_as("owner")
    page.goto(f"{live_server.url}/tasks/")
    expect(page.locator("label.nav-button")).to_be_hidden()
    expect(page.locator("a.navnotice")).to_be_hidden()
    expect(page.locator("nav.mainnav >> text=本单位任务")).to_be_visible()
    expect(page.locator("button:has-text('退出')")).to_be_visible()
    assert page.locator("header.topbar").bounding_box()["height"] == 52
    # The table stays a table.
    assert page.evaluate("getComputedStyle(document.querySelector('table.tasklist thead')).display") == (
        "table-header-group"
    )


def city_task_with_lower_tasks():
    from tasks.models import Task

    return (
        Task.objects.filter(action__plan__region__name="岳阳市", children__isnull=False)
        .active()
        .select_related("action")
        .order_by("action__seq", "seq")
        .distinct()
        .first()
    )


def test_the_homes_and_the_supervision_pages_fit_a_390_px_phone(demo, phone, live_server):
    """Every home (office, agency, leader, upper office, province leader), the region pages,
    a city task with the lower tasks answering it and its hand-down page: nothing scrolls
    sideways and every control is a thumb's height."""
    from plans.models import Region

    base, width, problems = live_server.url, 390, []
    city, province = Region.objects.get(name="岳阳市"), Region.objects.get(name="湖南省")
    upper = city_task_with_lower_tasks()
    assert upper is not None, "the demo hands a city task down"
    for username in ("office", "agency", "leader", "city", "province"):
        page = phone(width)
        sign_in(page, base, username)
        problems += fits(page, width, f"{username}'s home")
        if username == "office":
            expect(page.locator("#office-queue .plan-queue").first).to_be_visible()
        if username == "city":
            expect(page.locator(f"#region-queue-{city.pk}")).to_be_visible()
            page.goto(f"{base}/reports/regions/{city.pk}/")
            expect(page.locator("#region-plans")).to_be_visible()
            problems += fits(page, width, "city region page")
            page.goto(f"{base}/reports/plans/{upper.action.plan_id}/dashboard/tasks/{upper.pk}/")
            expect(page.locator("#handed-down")).to_be_visible()
            problems += fits(page, width, "upper task page")
            page.goto(f"{base}/tasks/{upper.pk}/hand-down/")
            expect(page.locator("form").last).to_be_visible()
            problems += fits(page, width, "hand-down page")
        if username == "province":
            expect(page.locator(f"#region-queue-{province.pk}")).to_be_visible()
            page.goto(f"{base}/reports/regions/{province.pk}/")
            expect(page.locator("#region-children")).to_be_visible()
            problems += fits(page, width, "province region page")
        assert page.console_errors == []
    assert not problems, "\n".join(problems)
