"""manage.py bench_import times the import of the documents offices send: a synthetic
plan as text and .docx, and (with LibreOffice) an office PDF and a task-division table
PDF of a given number of pages."""

import io
import re

import pytest
from django.core.management import call_command

from tests.plans import corpus


def _lines(*args):
    out = io.StringIO()
    call_command("bench_import", *args, "--repeat", "1", stdout=out)
    return out.getvalue().splitlines()


def test_the_synthetic_plan_is_timed_as_text_and_as_docx():
    lines = _lines("--synthetic", "8", "--docx")
    assert [
        re.match(
            r"synthetic-8kb\.(\w+): [\d.]+ KB, median [\d.]+ ms over 1 runs \(CPU [\d.]+ ms\)", line
        ).group(1)
        for line in lines
    ] == ["txt", "docx"]


@pytest.mark.libreoffice
@pytest.mark.skipif(corpus.soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_office_and_table_pdfs_of_the_pages_asked_for_are_built_and_timed():
    lines = _lines("--office-pdf", "3", "--table-pdf", "2")
    office, table = (
        re.match(r"(office|table)-(\d+)pages\.pdf: .* median ([\d.]+) ms", line) for line in lines
    )
    assert office.group(1) == "office" and int(office.group(2)) >= 3
    assert table.group(1) == "table" and int(table.group(2)) >= 2
