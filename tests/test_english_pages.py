"""In English, no page a demo account can reach shows interface text in Chinese.

Each demo account logs in with English chosen and walks every page linked from the
pages it reaches (downloads and actions aside). What the database holds — plan and
task titles, agency names, report texts — is Chinese by nature: every text value
stored in the database is removed from the page's text before looking for Chinese
characters, so what is left and Chinese is interface wording."""

import datetime as dt
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client

from plans.demo import ACCOUNTS, build_demo

pytestmark = pytest.mark.django_db

DEMO_DAY = dt.date(2026, 11, 22)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PAGES_PER_ACCOUNT = 80
# Pages of one kind (a task, a report…) are visited three times at most: /plans/N/tasks/N/.
PER_KIND = 3
SKIP = re.compile(
    r"/(logout|i18n|admin|static|media|api)/|format=|/download|/export|\.(pdf|docx|xlsx|csv)(\?|$)"
)
TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


class PageText(HTMLParser):
    """The texts a reader sees (text, titles, placeholders, button values) and the links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.links, self._skip, self._lang = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if attrs.get("lang"):
            # Text marked as being in another language (a language's own name) is meant.
            self._lang.append((tag, attrs["lang"]))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name, value in attrs.items():
            if value and (name in TEXT_ATTRIBUTES or name.startswith("data-msg-")):
                self.texts.append(value)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if self._lang and self._lang[-1][0] == tag:
            self._lang.pop()

    def handle_data(self, data):
        if self._lang and not self._lang[-1][1].startswith("en"):
            return
        if not self._skip and data.strip():
            self.texts.append(data)


def database_texts() -> list[str]:
    """Every Chinese text stored in the database, line by line and whole (its whitespace
    collapsed, as a page shows it), longest first."""
    found = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                for text in _strings(value):
                    if CJK.search(text):
                        found.update(part.strip() for part in text.splitlines() if part.strip())
                        found.add(" ".join(text.split()))
    return sorted(found, key=len, reverse=True)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def interface_chinese(texts, data) -> list[str]:
    left = []
    for text in texts:
        text = " ".join(text.split())
        if not CJK.search(text):
            continue
        # A stored text shortened for a list (truncatechars) is the start of a stored value.
        if text.endswith("…") and any(value.startswith(text[:-1]) for value in data):
            continue
        for value in data:
            if value in text:
                text = text.replace(value, " ")
                if not CJK.search(text):
                    break
        if CJK.search(text):
            left.append(text.strip())
    return left


def walk(client) -> dict[str, list[str]]:
    data = database_texts()
    seen, queue, found, kinds = set(), deque(["/"]), {}, {}
    while queue and len(seen) < PAGES_PER_ACCOUNT:
        url = queue.popleft()
        kind = re.sub(r"\d+", "N", urlsplit(url).path) + "?" + ",".join(sorted(re.findall(r"(\w+)=", url)))
        if url in seen or kinds.get(kind, 0) >= PER_KIND:
            continue
        seen.add(url)
        kinds[kind] = kinds.get(kind, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = PageText()
        parser.feed(response.content.decode())
        left = interface_chinese(parser.texts, data)
        if left:
            found[url] = left[:8]
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(href):
                continue
            if href not in seen:
                queue.append(href)
    assert len(seen) > 3, seen
    return found


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_demo(today=DEMO_DAY)
    yield
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("username", [name for name, _agency, _person in ACCOUNTS])
def test_no_interface_text_in_chinese_on_any_page_in_english(demo, username):
    from django.contrib.auth import get_user_model

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(get_user_model().objects.get(username=username))
    found = walk(client)
    assert found == {}, "\n".join(f"{url}: {texts}" for url, texts in found.items())


def test_the_switcher_names_each_language_in_itself(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">简体中文</option>" in page and ">English</option>" in page
    assert "英语" not in client.get("/accounts/login/").content.decode()
