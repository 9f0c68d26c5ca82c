"""A new worker or web process renders a line of Chinese in the PDF font as it starts, so
its first bulletin or briefing does not pay for loading WeasyPrint and the CJK font."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import signals
from django.conf import settings

from carbonplan import celery as worker
from reports import pdf

from .test_briefing import poppler

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rendered(monkeypatch):
    """Every PDF rendered while the test runs (rendered for real)."""
    out = []
    real = pdf.render_pdf

    def recording(html):
        out.append(real(html))
        return out[-1]

    monkeypatch.setattr(pdf, "render_pdf", recording)
    return out


def _embeds_the_cjk_font(content, tmp_path):
    fonts = poppler("pdffonts", content, tmp_path)
    family = settings.PDF_FONT_FAMILY.replace(" ", "-")
    embedded = [line for line in fonts.splitlines() if family in line and " yes " in line]
    return len(embedded) >= 1, fonts


def test_the_warm_up_renders_chinese_with_the_cjk_font_embedded(tmp_path):
    content = pdf.warm_up()
    assert content.startswith(b"%PDF")
    ok, fonts = _embeds_the_cjk_font(content, tmp_path)
    assert ok, fonts
    assert pdf.WARM_UP_TEXT in poppler("pdftotext", content, tmp_path)
    assert pdf.warmed_in_ms is not None


def test_a_worker_warms_up_once_in_its_main_process_before_its_pool_starts(rendered, tmp_path):
    receivers = [r() for _id, r in signals.worker_init.receivers]
    assert worker.warm_up_pdf_before_the_pool_starts in receivers
    signals.worker_init.send(sender=None)
    assert len(rendered) == 1
    assert _embeds_the_cjk_font(rendered[0], tmp_path)[0]
    # Nothing more happens in a pool process as it starts: it is forked warm, and a slow
    # start there would get it killed by the worker (worker_proc_alive_timeout).
    signals.worker_process_init.send(sender=None)
    assert len(rendered) == 1


def test_a_missing_font_library_does_not_stop_a_process_from_starting(monkeypatch):
    def broken(html):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    assert pdf.warm_up() is None


def test_a_web_process_warms_up_when_it_loads_the_application():
    code = "import carbonplan.wsgi; from reports import pdf; print(pdf.warmed_in_ms is not None)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr[-2000:]
