"""Every form a plan reaches the office in, scored against its hand-checked structure.

The three fixture plans are rendered at test time as plain text, .docx, .doc (through
LibreOffice), a saved web page, a typeset PDF (WeasyPrint), the PDF LibreOffice exports
from a .docx written with Heading styles, a running header and a PAGE footer, and as a
task-division table (附件：重点任务分工表) in .docx, .xlsx and PDF, each in four
renderings (column order, 具体措施 / 具体内容 for 主要内容, one 责任单位 column holding
“X牵头，Y配合”, no 序号 column, a two-row header with 责任单位 over 牵头单位 | 配合单位,
lead cells merged over several tasks) so that no single layout is fitted. The table of
scores is printed; every figure must reach IMPORT_THRESHOLDS."""

import pytest

from plans.importing import document_parse
from tests.plans import corpus, corpus_office
from tests.plans.docs import NAMES, expected_structure
from tests.plans.scoring import IMPORT_THRESHOLDS, below_thresholds, score

pytestmark = [
    pytest.mark.once,  # no database: the parser's scores are the same on either engine
    pytest.mark.libreoffice,
    pytest.mark.skipif(corpus.soffice() is None, reason="LibreOffice (soffice) is not installed"),
]

RENDERINGS = list(corpus_office.RENDERINGS)


def _variants(name: str) -> dict[str, tuple[bytes, str]]:
    """The nine forms; the task-division table in each of its renderings."""
    text = corpus.fixture_text(name)
    variants = {
        "text": (text.encode("utf-8"), "方案.txt"),
        ".docx": (corpus.to_docx(text), "方案.docx"),
        ".doc": (corpus.to_doc(text), "方案.doc"),
        "web page": (corpus.web_page(text, "gbk"), "方案.html"),
        "WeasyPrint PDF": (corpus.render_pdf(text), "方案.pdf"),
        "LibreOffice PDF": (corpus_office.soffice_pdf(corpus_office.office_docx(text)), "方案.pdf"),
        # Tasks as Word's own numbered list: the number, a tab, a hanging indent.
        "LibreOffice PDF, lists": (
            corpus_office.soffice_pdf(corpus_office.office_docx(text, 10.5, list_numbers=True)),
            "方案.pdf",
        ),
        # The text followed by its annex table: the table's agencies stand.
        "LibreOffice PDF + annex": (
            corpus_office.soffice_pdf(corpus_office.office_docx(text, annex_of=name)),
            "方案.pdf",
        ),
    }
    for k, rendering in enumerate(RENDERINGS, start=1):
        table_docx = corpus_office.division_table_docx(name, rendering)
        variants[f".docx table {k}"] = (table_docx, "分工表.docx")
        variants[f".xlsx table {k}"] = (corpus_office.division_table_xlsx(name, rendering), "分工表.xlsx")
        variants[f"PDF table {k}"] = (corpus_office.soffice_pdf(table_docx), "分工表.pdf")
    return variants


COLUMNS = ["task_f1", "lead", "support", "indicator_p", "indicator_r", "indicator_f1", "year", "comparator"]


def test_every_variant_of_every_plan_meets_the_import_thresholds(capsys):
    rows, failures = [], {}
    for name in NAMES:
        expected = expected_structure(name)
        for variant, (data, filename) in _variants(name).items():
            parsed, _text = document_parse(data=data, filename=filename)
            figures = score(parsed, expected)
            rows.append((name, variant, figures))
            low = below_thresholds(figures, IMPORT_THRESHOLDS)
            if low:
                failures[name, variant] = low
    lines = [f"{'plan':24}{'variant':24}" + "".join(f"{c:>13}" for c in COLUMNS)]
    for name, variant, figures in rows:
        lines.append(f"{name:24}{variant:24}" + "".join(f"{figures[c]:>13.3f}" for c in COLUMNS))
    lines += [f"table {k}: {rendering}" for k, rendering in enumerate(RENDERINGS, start=1)]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert len(rows) == (8 + 3 * len(RENDERINGS)) * len(NAMES)
    assert failures == {}
