"""Bytes to text, whatever form the plan arrived in.

The format is read from the content, not the file name (a .wps that is really a
.docx, a .doc that is really text): PDF (pdf), Word .docx (word), an Excel sheet (sheet), old Word / WPS /
OpenDocument / RTF through LibreOffice (word), a web page saved from a government site
(webpage), or text in UTF-8 (with or without BOM), UTF-16 or GB18030/GBK.
"""

from __future__ import annotations

import io
import re
import zipfile

from .errors import PlanParseError
from .pdf import pdf_text
from .sheet import xlsx_text
from .webpage import page_text
from .word import convert_to_docx, decode_docx

_EMPTY = "文件为空，没有可读取的内容。"
_JUNK = (
    "文件内容无法识别为中文文本（可能是二进制文件、图片或已损坏的文件），"
    "请上传实施方案的 PDF、.docx、.doc/.wps、网页或文本文件。"
)
_ENCODING = "无法识别文件编码，请将文件另存为 UTF-8 或 GB18030（GBK）编码的文本文件，或 .docx 后再导入。"
_ZIP_NOT_WORD = "该文件是压缩包而不是 Word 文档（.docx），请上传方案的 .docx、PDF 或文本文件。"

# The most frequent Chinese characters: real text is mostly made of them, while binary
# data that happens to decode as GB18030 is mostly made of rare ones.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方"
    "后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开"
    "它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此"
    "变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老"
    "头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门"
    "即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花"
    "带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段"
    "研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳"
    "便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京"
    "识适属圆包火住调满县局照参红细引听该铁价严龙飞碳排源能绿推动落施案牵头负责职配合环境态森源施"
    "，。、；：“”（）《》"
)


def decode_document(data: bytes, filename: str = "") -> str:
    """The text of an uploaded plan. Raises PlanParseError, in Chinese, for anything
    that is not a readable plan document."""
    if not data or not data.strip():
        raise PlanParseError(_EMPTY)
    kind = sniff(data, filename)
    if kind == "pdf":
        return pdf_text(data)
    if kind == "docx":
        return decode_docx(data)
    if kind in ("doc", "odt", "rtf"):
        return decode_docx(convert_to_docx(data, "." + kind))
    if kind == "xlsx":
        return xlsx_text(data)[0]
    if kind == "zip":
        raise PlanParseError(_ZIP_NOT_WORD)
    text = _decode_text(data, _declared_charset(data) if kind == "html" else None)
    if kind == "html":
        text = page_text(text)
    _check_text(text)
    return text


_HTML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|meta|title|body)\b", re.I | re.S
)


def sniff(data: bytes, filename: str = "") -> str:
    """pdf, docx, xlsx, zip (any other zip), doc (OLE2: Word 97 or WPS), odt, rtf, html or text,
    from the bytes; the file name only tells a web page fragment from text."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and archive.read("mimetype").startswith(
                    b"application/vnd.oasis.opendocument.text"
                ):
                    return "odt"
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            return "docx"  # a damaged Word file: python-docx says so
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") or data.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(head):
        return "html"
    name = (filename or "").lower()
    if name.endswith((".htm", ".html", ".shtml", ".xhtml")) and re.search(
        rb"(?i)<(?:p|div|body|table)\b", data[:65536]
    ):
        return "html"
    return "text"


def _declared_charset(data: bytes) -> str | None:
    m = re.search(rb"""(?i)<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", data[:8192])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    if name in ("gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn"):
        return "gb18030"  # the superset: pages declared gb2312 often use GBK characters
    return name


def _decode_text(data: bytes, declared: str | None = None) -> str:
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass  # a page that declares one encoding and uses another
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16")
    if b"\x00" in data:
        # UTF-16 without a byte order mark has a NUL in every other byte; anything
        # else with NULs is binary.
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _looks_chinese(text):
                return text
        raise PlanParseError(_JUNK)
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    # A stray bad byte (a file cut short, a pasted fragment in another encoding) should
    # not sink a whole plan: accept a few replacement characters in otherwise good text.
    # Mojibake (UTF-8 read as GB18030) decodes without errors but fails _looks_chinese.
    best = None
    for encoding in ("utf-8", "gb18030"):
        text = data.decode(encoding, errors="replace")
        bad = text.count("\ufffd")
        if bad <= max(3, len(text) // 1000) and _looks_chinese(text) and (best is None or bad < best[0]):
            best = (bad, text)
    if best is not None:
        return best[1]
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        raise PlanParseError(_ENCODING)
    best = from_bytes(data).best()
    if best is None:
        raise PlanParseError(_ENCODING)
    return str(best)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise PlanParseError(_ENCODING)


def _looks_chinese(text: str) -> bool:
    visible = len(text) - len(re.findall(r"\s", text))
    if not visible:
        return False
    han = re.findall(r"[\u4e00-\u9fff]", text)
    if len(han) < 0.2 * visible:
        return False
    return sum(1 for c in han if c in _COMMON) >= 0.3 * len(han)


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _check_text(text: str) -> None:
    if not text.strip():
        raise PlanParseError(_EMPTY)
    controls = len(_CONTROL.findall(text))
    if controls > 0.01 * len(text) or text.count("\ufffd") > 0.01 * len(text):
        raise PlanParseError(_JUNK)
    if not _looks_chinese(text):
        raise PlanParseError(_JUNK)
