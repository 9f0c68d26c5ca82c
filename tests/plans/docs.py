"""Plan documents for the import tests: the real plans of fixtures/docs with their
hand-checked structures (tests/plans/expected), and hand-made bad input. Everything is
read from inside the repository."""

import io
import json
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "fixtures" / "docs"
EXPECTED = Path(__file__).resolve().parent / "expected"
YUEYANG = DOCS / "yueyang-county-2024.txt"
PINGJIANG = DOCS / "pingjiang-county-2026.txt"
HUAIHUA = DOCS / "huaihua-city-2026.txt"
NAMES = sorted(path.stem for path in DOCS.glob("*.txt"))


def document_bytes(name: str) -> bytes:
    """The plan document fixtures/docs/<name>.txt as uploaded."""
    return (DOCS / f"{name}.txt").read_bytes()


def expected_structure(name: str) -> dict:
    """The hand-checked structure of fixtures/docs/<name>.txt (tests/plans/expected/SCHEMA.md)."""
    return json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))


SMALL_PLAN = """甲县碳达峰实施方案

一、主要目标
到2025年，全县非化石能源消费比重达到22%以上。

二、重点任务
（一）能源绿色低碳转型行动
1．大力发展新能源。到2025年，全县新能源装机容量达到135.5万千瓦以上。（县发改局牵头，县自然资源局、县住建局按职责分工负责）
2．推进绿色交通。全年新增公共充电桩30个以上。（县交通运输局牵头，县发改局配合）
（二）城乡建设碳达峰行动
1．推广绿色建筑。到2025年，城镇新建建筑全面执行绿色建筑标准。（县住房和城乡建设局、县发改局按职责分工负责）

三、保障措施
加强组织领导。
"""


def png_bytes() -> bytes:
    """A 1×1 PNG, enough for a .docx that holds only a picture."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def image_only_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_picture(io.BytesIO(png_bytes()))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def text_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


BAD_INPUTS = {
    "empty.txt": lambda: b"",
    "junk.txt": lambda: bytes(range(256)) * 40,
    "scan.docx": image_only_docx,
    "ebcdic.txt": lambda: "carbon peaking plan of the county".encode("cp500") * 40,
    "diary.txt": lambda: "今天天气很好，我们去公园散步。\n晚上吃了饺子，看了电视。\n".encode() * 30,
}
