"""The real plans as offices receive them: published PDF, a saved government web page,
converter debris, other numbering styles, old Word / WPS files, and files named
for another format. Every variant is built from fixtures/docs at test time and held
to the scores of the clean text; bad files of each format get a Chinese message and
write nothing."""

import json
import re

import pytest
from django.core.management import CommandError, call_command

from plans.parsing import PlanParseError, decode_document, parse_document
from tests.plans import corpus
from tests.plans.docs import NAMES, SMALL_PLAN, expected_structure, png_bytes
from tests.plans.scoring import THRESHOLDS, below_thresholds, score

no_soffice_skip = pytest.mark.skipif(
    corpus.soffice() is None, reason="LibreOffice (soffice) is not installed"
)

# Action and task numbering styles, paired so that every style is used.
STYLES = [
    ("（一）", "1、"),
    ("(一)", "（1）"),
    ("第一条", "(1)"),
    ("（一）", "①"),
    ("(一)", "1．"),
    ("第一条", "1."),
]

VARIANTS = {
    "pdf, — N — page numbers": lambda t: (corpus.render_pdf(t, "dash"), "方案.pdf"),
    "pdf, 第N页 共M页 and a table over a page break": lambda t: (
        corpus.render_pdf(t, "of", table_rows=45),
        "方案.pdf",
    ),
    "pdf, headings broken over two lines": lambda t: (
        corpus.render_pdf(t, "dash", big_headings=True),
        "方案.pdf",
    ),
    "web page, UTF-8": lambda t: (corpus.web_page(t, "utf-8"), "方案.html"),
    "web page, GBK": lambda t: (corpus.web_page(t, "gbk"), "方案.htm"),
    "converter debris": lambda t: (corpus.with_debris(t).encode("utf-8"), "方案.txt"),
    "converter debris, GB18030": lambda t: (corpus.with_debris(t).encode("gb18030"), "方案.txt"),
    **{
        f"numbered {a} / {b}": (lambda t, a=a, b=b: (corpus.renumbered(t, a, b).encode(), "方案.txt"))
        for a, b in STYLES
    },
    "a PDF named .txt": lambda t: (corpus.render_pdf(t, "dash"), "方案.txt"),
    "a .docx named .wps": lambda t: (corpus.to_docx(t), "方案.wps"),
    "a text file named .doc": lambda t: (t.encode("gb18030"), "方案.doc"),
    "a web page named .txt": lambda t: (corpus.web_page(t, "utf-8"), "方案.txt"),
}


@pytest.fixture(scope="session")
def variant():
    """Build each (document, variant) once per test session: PDF rendering and
    LibreOffice conversion are the slow part."""
    cache = {}

    def build(name, kind):
        if (name, kind) not in cache:
            maker = VARIANTS.get(kind) or {"doc": lambda t: (corpus.to_doc(t), "方案.doc")}[kind]
            cache[name, kind] = maker(corpus.fixture_text(name))
        return cache[name, kind]

    return build


def _assert_scores(parsed, name):
    figures = score(parsed, expected_structure(name))
    assert below_thresholds(figures, THRESHOLDS) == {}, figures


@pytest.mark.parametrize("kind", list(VARIANTS))
@pytest.mark.parametrize("name", NAMES)
def test_every_variant_imports_as_well_as_the_clean_text(variant, name, kind):
    data, filename = variant(name, kind)
    _assert_scores(parse_document(data, filename), name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.libreoffice
@no_soffice_skip
def test_an_old_word_doc_is_converted_and_imports_as_well(variant, name):
    data, filename = variant(name, "doc")
    assert data.startswith(b"\xd0\xcf\x11\xe0")
    _assert_scores(parse_document(data, filename), name)
    # A WPS file is the same binary format under another name.
    _assert_scores(parse_document(data, "方案.wps"), name)


@pytest.mark.parametrize("name", NAMES)
def test_pdf_text_has_no_running_headers_or_page_numbers_and_paragraphs_are_whole(variant, name):
    for kind in ("pdf, — N — page numbers", "pdf, 第N页 共M页 and a table over a page break"):
        text = decode_document(*variant(name, kind))
        lines = [line for line in text.splitlines() if line.strip()]
        assert not [line for line in lines if re.fullmatch(r"\s*(—\s*\d+\s*—|第\d+页\s*共\d+页)\s*", line)]
        header = corpus.pdf_html(corpus.fixture_text(name)).split('content: "', 1)[1].split('"', 1)[0]
        assert header not in text
        # Wrapped at every line of a narrow page, yet no more paragraphs than the source has
        # lines: lines are joined back into their paragraphs, across page breaks too.
        source = [line for line in corpus.fixture_text(name).splitlines() if line.strip()]
        assert len(lines) <= len(source) + (50 if "table" in kind else 3)


def test_headings_and_a_centred_title_set_over_two_lines_are_whole(variant):
    text = decode_document(*variant("yueyang-county-2024", "pdf, headings broken over two lines"))
    lines = [line.strip() for line in text.splitlines()]
    assert "关于印发《岳阳县碳达峰实施方案》的通知" in lines
    assert "(二)能源绿色低碳转型行动" in lines


def test_a_table_running_over_a_page_break_keeps_its_rows(variant):
    text = decode_document(*variant(corpus.NAMES[0], "pdf, 第N页 共M页 and a table over a page break"))
    rows = [line.split("\t") for line in text.splitlines() if re.match(r"\d+\t重点项目", line)]
    assert [int(r[0]) for r in rows] == list(range(1, 46))
    assert all(r[1:] == [f"重点项目{r[0]}号工程建设", "县发改局", "2026年底前"] for r in rows)


def test_a_table_cell_wrapped_over_several_lines_stays_in_its_row():
    from weasyprint import HTML

    rows = "".join(
        f"<tr><td>{n}</td><td>推进第{n}批光伏项目建设，力争年内新增装机{n}万千瓦，同步建设配套储能设施。</td>"
        "<td>县发改局</td></tr>"
        for n in range(1, 31)
    )
    page = (
        "<style>@page { size: A5; margin: 20mm; } td { vertical-align: top; padding: 2pt 8pt; }</style>"
        '<table><tr><td style="width:14%">序号</td><td>工作任务</td><td style="width:26%">牵头单位</td></tr>'
        f"{rows}</table>"
    )
    text = decode_document(HTML(string=page).write_pdf(), "表.pdf")
    rows = [line.split("\t") for line in text.splitlines() if "\t" in line]
    assert rows[0] == ["序号", "工作任务", "牵头单位"]
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, 31)]
    assert all(
        r[1] == f"推进第{r[0]}批光伏项目建设，力争年内新增装机{r[0]}万千瓦，同步建设配套储能设施。"
        and r[2] == "县发改局"
        for r in rows[1:]
    )


@pytest.mark.parametrize("kind", ["web page, UTF-8", "web page, GBK"])
def test_web_page_furniture_is_not_imported(variant, kind):
    text = decode_document(*variant("yueyang-county-2024", kind))
    for furniture in (
        "网站标识码",
        "相关链接",
        "第1批重点项目",
        "分享到",
        "当前位置",
        "政务服务",
        "43062100/2026",
    ):
        assert furniture not in text
    assert "岳阳县碳达峰实施方案" in text


def test_the_import_command_reads_a_pdf_by_its_content(variant, tmp_path):
    data, _ = variant("huaihua-city-2026", "pdf, — N — page numbers")
    source = tmp_path / "发布稿.wps"  # the name says WPS, the bytes say PDF
    source.write_bytes(data)
    out = tmp_path / "out.json"
    call_command("import_plan", str(source), "--json", str(out))
    _assert_scores(json.loads(out.read_text(encoding="utf-8")), "huaihua-city-2026")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "make"),
    [
        ("甲县方案.pdf", lambda: corpus.render_pdf(SMALL_PLAN)),
        ("甲县方案.html", lambda: corpus.web_page(SMALL_PLAN, "gbk")),
    ],
)
def test_the_office_upload_page_takes_a_pdf_and_a_web_page(world, login, filename, make):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from plans.models import PlanImport

    client = login(world.users.office)
    response = client.post(
        reverse("plans:import_list"),
        {"file": SimpleUploadedFile(filename, make()), "region": world.county_a.pk},
    )
    assert response.status_code == 302
    plan_import = PlanImport.objects.get()
    assert plan_import.state == "parsed", plan_import.error
    titles = [t["title"] for a in plan_import.parsed["actions"] for t in a["tasks"]]
    assert titles[:3] == ["大力发展新能源", "推进绿色交通", "推广绿色建筑"]
    page = client.get(response["Location"]).content.decode()
    assert "大力发展新能源" in page


# --- bad files ---------------------------------------------------------------------------


def _image_only_pdf() -> bytes:
    import base64

    from weasyprint import HTML

    image = base64.b64encode(png_bytes()).decode()
    return HTML(string=f'<img src="data:image/png;base64,{image}" style="width:150mm">').write_pdf()


def _encrypted_pdf(tmp_path) -> bytes:
    import subprocess

    source = tmp_path / "plan.txt"
    source.write_text(corpus.fixture_text("huaihua-city-2026"), encoding="utf-8")
    options = (
        '{"EncryptFile":{"type":"boolean","value":"true"},'
        '"DocumentOpenPassword":{"type":"string","value":"secret"}}'
    )
    subprocess.run(
        [
            corpus.soffice(),
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            f"pdf:writer_pdf_Export:{options}",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (tmp_path / "plan.pdf").read_bytes()


BAD = {
    "an image-only (scanned) PDF": (_image_only_pdf, "扫描.pdf", "OCR"),
    "a PDF cut short": (lambda: corpus.render_pdf("甲县碳达峰实施方案")[:600], "方案.pdf", "无法打开该 PDF"),
    "a web page without the plan": (
        lambda: corpus.web_page("", with_plan=False),
        "方案.html",
        "没有找到方案正文",
    ),
    "a web page of links only": (
        lambda: corpus.web_page(corpus.fixture_text("huaihua-city-2026"), with_plan=False),
        "方案.html",
        "没有找到方案正文",
    ),
}


def _refused(data, filename, says, tmp_path):
    with pytest.raises(PlanParseError) as caught:
        parse_document(data, filename)
    message = str(caught.value)
    assert says in message and re.search(r"[\u4e00-\u9fff]{6}", message)
    source = tmp_path / filename
    source.write_bytes(data)
    out = tmp_path / "out.json"
    with pytest.raises(CommandError) as failed:
        call_command("import_plan", str(source), "--json", str(out))
    assert says in str(failed.value)
    assert not out.exists()


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_gets_a_chinese_message_and_writes_nothing(case, tmp_path):
    make, filename, says = BAD[case]
    _refused(make(), filename, says, tmp_path)


@pytest.mark.libreoffice
@no_soffice_skip
def test_an_encrypted_pdf_is_refused(tmp_path):
    _refused(_encrypted_pdf(tmp_path), "加密.pdf", "加密", tmp_path)


@pytest.mark.libreoffice
@no_soffice_skip
def test_a_corrupt_doc_is_refused(tmp_path):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 20
    _refused(data, "损坏.doc", "无法转换该 .doc", tmp_path)


def test_without_libreoffice_a_doc_is_refused_with_how_to_convert(tmp_path, monkeypatch):
    from plans.parsing import word

    monkeypatch.setattr(word.shutil, "which", lambda name: None)
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    _refused(data, "旧方案.wps", "另存为", tmp_path)
