"""The English catalogue: every Chinese string has an English translation, the compiled
catalogue Django loads matches the .po, and English pages show no leftover Chinese."""

import ast
import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo"

# Han ideographs plus CJK and full-width punctuation (，。：（）、 …), which would give away an
# untranslated template even where no ideograph is left.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Python %-format directives, named or not, including the literal %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def read_po(path):
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr (str or {n: str}),
    flags. Entries are separated by blank lines; obsolete (#~) entries and the header are
    left out."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, field = {"flags": set()}, None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                entry[field] += ast.literal_eval(line)
            else:
                keyword, _, rest = line.partition(" ")
                # An entry glued to the one before it (no blank line) would hide the first.
                assert keyword not in entry, f"two entries without a blank line between: {block!r}"
                plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                field = ("msgstr", int(plural.group(1))) if plural else keyword
                entry[field] = ast.literal_eval(rest)
        if not entry.get("msgid"):
            continue
        plural_forms = sorted(k for k in entry if isinstance(k, tuple))
        if plural_forms:
            entry["msgstr"] = {n: entry.pop(("msgstr", n)) for _, n in plural_forms}
        entries.append(entry)
    return entries


def forms(entry):
    msgstr = entry.get("msgstr", "")
    return list(msgstr.values()) if isinstance(msgstr, dict) else [msgstr]


@pytest.fixture(scope="module")
def entries():
    assert PO.exists(), "locale/en/LC_MESSAGES/django.po is missing: run makemessages -l en"
    return read_po(PO)


def test_the_po_reader_understands_plurals_contexts_flags_and_continued_lines(tmp_path):
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, python-format\nmsgid "您好，%(name)s"\nmsgstr "Hello, %(name)s"\n\n'
        'msgctxt "月份"\nmsgid "五"\nmsgstr ""\n"May"\n\n'
        '#, fuzzy\nmsgid "旧"\nmsgstr "Old"\n\n'
        'msgid "%(n)s 条"\nmsgid_plural "%(n)s 条"\nmsgstr[0] "%(n)s item"\nmsgstr[1] "%(n)s items"\n\n'
        '#~ msgid "废弃"\n#~ msgstr "Obsolete"\n',
        encoding="utf-8",
    )
    got = read_po(sample)
    assert [e["msgid"] for e in got] == ["您好，%(name)s", "五", "旧", "%(n)s 条"]
    assert got[0]["flags"] == {"python-format"} and got[0]["msgstr"] == "Hello, %(name)s"
    assert got[1]["msgctxt"] == "月份" and got[1]["msgstr"] == "May"
    assert "fuzzy" in got[2]["flags"]
    assert got[3]["msgstr"] == {0: "%(n)s item", 1: "%(n)s items"}


def test_every_string_has_an_english_translation(entries):
    assert len(entries) > 100, "the catalogue looks empty: run makemessages -l en"
    missing = [e["msgid"] for e in entries if not all(forms(e))]
    assert not missing, f"{len(missing)} untranslated: {missing}"


def test_no_translation_is_left_fuzzy(entries):
    # Django never uses fuzzy entries, so a fuzzy guess silently shows the Chinese text.
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy}"


def test_translations_keep_the_placeholders_of_the_chinese_text(entries):
    wrong = []
    for e in entries:
        want = sorted(PLACEHOLDER.findall(e["msgid"])) if "python-format" in e["flags"] else []
        for text in forms(e):
            got = sorted(PLACEHOLDER.findall(text)) if "python-format" in e["flags"] else []
            if got != want:
                wrong.append((e["msgid"], text))
    assert not wrong


def test_translations_contain_no_chinese_except_literal_sheet_names(entries):
    from tasks.workbook import DONE_CHOICES, REPORT_SHEET, VALUE_SHEET

    # Worksheet names and the done / not done words of a target in words are fixed by the
    # Excel template, and "、" is the separator users type.
    literals = [f"“{REPORT_SHEET}”", f"“{VALUE_SHEET}”", "“、”", *(f"“{word}”" for word in DONE_CHOICES)]
    # …also when marked as Chinese text for the page (<span lang='zh-Hans'>).
    literals += [f"“<span lang='zh-Hans'>{name}</span>”" for name in (REPORT_SHEET, VALUE_SHEET)]
    leftover = []
    for e in entries:
        for text in forms(e):
            for literal in literals:
                text = text.replace(literal, "")
            if CJK.search(text):
                leftover.append(text)
    assert not leftover


def test_the_compiled_catalogue_matches_the_po(entries):
    assert MO.exists(), "django.mo is missing: run compilemessages -l en"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    # Untranslated and fuzzy entries are left out of a compiled catalogue by design; the tests
    # above report them.
    for e in (e for e in entries if all(forms(e)) and "fuzzy" not in e["flags"]):
        if "msgctxt" in e and "msgid_plural" in e:
            got = [compiled.npgettext(e["msgctxt"], e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
        elif "msgctxt" in e:
            got = [compiled.pgettext(e["msgctxt"], e["msgid"])]
        elif "msgid_plural" in e:
            got = [compiled.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
        else:
            got = [compiled.gettext(e["msgid"])]
        if got != forms(e):
            stale.append(e["msgid"])
    assert not stale, f"django.mo is out of date (run compilemessages -l en): {stale}"


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _without_data(page):
    """The page minus text that comes from the database (names and titles stay Chinese in
    any language) and the endonym in the language switch, which must stay readable."""
    from django.contrib.auth import get_user_model

    from agencies.models import Agency
    from indicators.models import Indicator
    from plans.models import Action, Plan, Region
    from tasks.models import Task

    data = set()
    data.update(Region.objects.values_list("name", flat=True))
    data.update(Plan.objects.values_list("title", flat=True))
    data.update(Agency.objects.values_list("name", flat=True))
    for label, title in Action.objects.values_list("label", "title"):
        data.update([label, title])
    data.update(Task.objects.values_list("title", flat=True))
    for name, unit in Indicator.objects.values_list("name", "unit"):
        data.update([name, unit])
    for first, last in get_user_model().objects.values_list("first_name", "last_name"):
        data.update([first, last, f"{first} {last}".strip()])
    page = page.replace(">简体中文<", "><")
    for text in sorted((d for d in data if d), key=len, reverse=True):
        page = page.replace(text, "")
    return page


def _leftover_chinese(page):
    rest = _without_data(page)
    return sorted({rest[max(0, m.start() - 30) : m.end() + 30] for m in CJK.finditer(rest)})


def test_the_home_page_in_english_shows_no_chinese_for_a_user_without_roles(world, login):
    from tests.factories import UserFactory

    page = _english(login(UserFactory(username="nobody"))).get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Home" in page and "Sign out" in page and "No plans to show yet" in page
    assert not CJK.search(page.replace(">简体中文<", "><")), _leftover_chinese(page)


@pytest.mark.parametrize("who", ["owner", "office", "leader", "admin"])
def test_the_home_page_in_english_shows_chinese_only_in_data(world, login, who):
    page = _english(login(getattr(world.users, who))).get("/").content.decode()
    assert '<html lang="en">' in page and "Sign out" in page
    assert "甲县碳达峰实施方案" in page  # plan titles are data and stay as written
    assert not _leftover_chinese(page)


def test_the_office_home_page_in_english_offers_review_and_supervision(world, login):
    page = _english(login(world.users.office)).get("/").content.decode()
    for text in (
        "Work-group office",
        "Progress review",
        "Awaiting review",
        "Supervision bulletin",
        "Not-reported list",
    ):
        assert text in page


def test_the_login_page_in_english_shows_no_chinese(db, client):
    page = _english(client).get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page and "Username" in page and "Password" in page
    assert not CJK.search(page.replace(">简体中文<", "><")), _leftover_chinese(page)


def test_a_failed_login_in_english_says_so_in_english(db, client):
    from tests.factories import UserFactory

    UserFactory(username="someone")
    response = _english(client).post("/accounts/login/", {"username": "someone", "password": "wrong"})
    page = response.content.decode()
    assert "Incorrect username or password" in page
    assert not CJK.search(page.replace(">简体中文<", "><")), _leftover_chinese(page)


def test_switching_back_to_chinese_restores_the_chinese_interface(world, login):
    client = _english(login(world.users.office))
    assert "Sign out" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page and "退出" in page and "Sign out" not in page


def test_every_string_marked_for_translation_is_in_the_catalogue(tmp_path):
    """makemessages, run on a copy of the code, finds no string the catalogue lacks: a new
    gettext() or {% translate %} without an entry would show Chinese on English pages."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "tests", "static", "media", "__pycache__", "*.mo"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location", "-v", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    known = {(e.get("msgctxt"), e["msgid"]) for e in read_po(PO)}
    extracted = read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    new = sorted(e["msgid"] for e in extracted if (e.get("msgctxt"), e["msgid"]) not in known)
    assert not new, f"{len(new)} strings have no entry in django.po (add their English): {new}"
