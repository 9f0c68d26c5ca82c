"""Parse-time benchmark of plan documents (python manage.py bench_import)."""

import time
from pathlib import Path

from django.conf import settings

CN_NUMERALS = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n - 1]
    return ("" if n < 20 else CN_NUMERALS[n // 10 - 1]) + "十" + (CN_NUMERALS[n % 10 - 1] if n % 10 else "")


def synthetic_plan(kb: int = 70) -> str:
    """A plan document of about `kb` KB (UTF-8) for benchmarks: real action and task
    paragraphs of fixtures/docs, renumbered into one long plan."""
    import re

    from .parsing import parse_document
    from .parsing.schema import ParsedPlan

    docs = sorted((Path(settings.BASE_DIR) / "fixtures" / "docs").glob("*.txt"))
    tasks = []
    for doc in docs:
        parsed = ParsedPlan.from_dict(parse_document(doc.read_bytes(), doc.name))
        for placed in parsed.iter_tasks():
            if placed.task.text and placed.task.label:
                body = re.sub(r"^\s*[（(]?\d+[)）.．、]\s*", "", placed.task.text.strip())
                tasks.append((placed.action.title, body))
    head = (
        "某县碳达峰实施方案\n\n一、主要目标\n到2025年，全县非化石能源消费比重达到22%以上。\n\n二、重点任务\n"
    )
    parts, size, a_no, index = [head], len(head.encode()), 0, 0
    while size < kb * 1024:
        a_no += 1
        block = [f"（{_cn(a_no)}）{tasks[index % len(tasks)][0]}"]
        for t_no in range(1, 7):
            block.append(f"{t_no}．{tasks[index % len(tasks)][1]}")
            index += 1
        text = "\n".join(block) + "\n"
        parts.append(text)
        size += len(text.encode())
    parts.append("三、保障措施\n加强组织领导。\n")
    return "".join(parts)


def benchmark_import(path, repeat: int = 5, stdout=None) -> float:
    """Median milliseconds to decode and parse `path` (no database), printed."""
    from .parsing import parse_document

    data = Path(path).read_bytes()
    parse_document(data, Path(path).name)  # warm the regex caches
    times, cpu = [], []
    for _i in range(max(1, repeat)):
        started, started_cpu = time.perf_counter(), time.process_time()
        parse_document(data, Path(path).name)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    cpu.sort()
    median = times[len(times) // 2]
    # On a shared machine the wall time includes waiting for a core; CPU time does not.
    line = (
        f"{Path(path).name}: {len(data) / 1024:.1f} KB, median {median:.1f} ms over {len(times)} runs"
        f" (CPU {cpu[len(cpu) // 2]:.1f} ms)"
    )
    if stdout is not None:
        stdout.write(line)
    else:
        print(line)
    return median


def office_pdf(pages: int) -> tuple[bytes, int]:
    """A plan of about `pages` A4 pages as a word processor exports it (Heading styles,
    running header, page-number footer; LibreOffice), and its page count."""
    from .bench_docs import office_docx, soffice_pdf

    kb = max(4, int(pages * 2.6))
    while True:
        data = soffice_pdf(office_docx(synthetic_plan(kb), "某县人民政府办公室　　某政办发〔2026〕1号"))
        count = _pages(data)
        if count >= pages or kb > 40 * pages:
            return data, count
        kb = int(kb * pages / max(count, 1)) + 2


def table_pdf(pages: int) -> tuple[bytes, int]:
    """A task-division table (附件：重点任务分工表) of about `pages` landscape pages,
    exported by LibreOffice from a .docx, and its page count."""
    from .bench_docs import division_docx, soffice_pdf
    from .parsing import parse_plan_text

    kb = max(4, int(pages * 0.7))
    while True:
        parsed = parse_plan_text(synthetic_plan(kb))
        sections, number = [], 0
        for action in parsed["actions"]:
            rows = []
            for task in action["tasks"]:
                number += 1
                content = task["text"].split("。", 1)[-1]
                rows.append(
                    [
                        str(number),
                        task["title"],
                        content,
                        "、".join(task["lead"]),
                        "、".join(task["support"]),
                        "2026年底前",
                    ]
                )
            sections.append((f"{action['label'] or ''}{action['title']}", rows))
        header = ["序号", "重点任务", "主要内容", "牵头单位", "配合单位", "完成时限"]
        data = soffice_pdf(division_docx(["某县碳达峰实施方案", "附件：重点任务分工表"], header, sections))
        count = _pages(data)
        if count >= pages or kb > 40 * pages:
            return data, count
        kb = int(kb * pages / max(count, 1)) + 2


def _pages(data: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()
