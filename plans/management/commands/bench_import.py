"""python manage.py bench_import FILE [--repeat N] [--synthetic KB [--pdf]] [--docx]
[--office-pdf PAGES] [--table-pdf PAGES]: median parse time of a document; --pdf also
renders the synthetic plan as a published PDF (running header, page numbers, narrow text
block), --docx as a Word file, --office-pdf as the PDF a word processor exports (Heading
styles, running header, page-number footer; LibreOffice) and --table-pdf as a
task-division table over that many pages, and times their import."""

import html

from django.core.management.base import BaseCommand

_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 25mm 26mm;
  @top-center {{ content: "某县人民政府办公室　　某政办发〔2026〕1号"; font-size: 9pt; }}
  @bottom-center {{ content: "— " counter(page) " —"; font-size: 9pt; }} }}
body {{ font-family: "Noto Serif CJK SC", serif; font-size: 12pt; line-height: 1.6; }}
p {{ margin: 0; text-indent: 2em; }}
</style></head><body>{body}</body></html>"""


def render_pdf(text: str) -> bytes:
    from weasyprint import HTML

    body = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    return HTML(string=_PAGE.format(body=body)).write_pdf()


class Command(BaseCommand):
    help = "测量方案文件的解析耗时（中位数，毫秒），不写数据库。"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*")
        parser.add_argument("--repeat", type=int, default=10)
        parser.add_argument("--synthetic", type=int, metavar="KB", help="另测一份约 KB 大小的合成方案")
        parser.add_argument("--pdf", action="store_true", help="同时把合成方案排版为 PDF 并测量其导入耗时")
        parser.add_argument("--docx", action="store_true", help="同时把合成方案写成 .docx 并测量其导入耗时")
        parser.add_argument(
            "--office-pdf",
            type=int,
            metavar="PAGES",
            help="另测一份约 PAGES 页、由文字处理软件导出的 PDF（需 LibreOffice）",
        )
        parser.add_argument(
            "--table-pdf",
            type=int,
            metavar="PAGES",
            help="另测一份约 PAGES 页的任务分工表 PDF（需 LibreOffice）",
        )

    def handle(self, *args, files, repeat, synthetic, pdf, docx, office_pdf, table_pdf, **options):
        import tempfile
        from pathlib import Path

        from plans import bench
        from plans.bench import benchmark_import, synthetic_plan

        files = list(files)
        folder = Path(tempfile.mkdtemp())
        for pages, make, stem in (
            (office_pdf, bench.office_pdf, "office"),
            (table_pdf, bench.table_pdf, "table"),
        ):
            if pages:
                data, count = make(pages)
                path = folder / f"{stem}-{count}pages.pdf"
                path.write_bytes(data)
                files.append(str(path))
        if synthetic:
            text = synthetic_plan(synthetic)
            path = folder / f"synthetic-{synthetic}kb.txt"
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
            if pdf:
                pdf_path = folder / f"synthetic-{synthetic}kb.pdf"
                pdf_path.write_bytes(render_pdf(text))
                files.append(str(pdf_path))
            if docx:
                from plans.bench_docs import office_docx

                docx_path = folder / f"synthetic-{synthetic}kb.docx"
                docx_path.write_bytes(office_docx(text, "某县人民政府办公室"))
                files.append(str(docx_path))
        for path in files:
            benchmark_import(path, repeat=repeat, stdout=self.stdout)
