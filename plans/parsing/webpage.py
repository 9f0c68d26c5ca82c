"""A web page saved from a government site (政府信息公开 / 政策文件) to plan text.

The page carries the plan among navigation, a breadcrumb, the 索引号 / 发布机构 table,
share and print links, a 相关链接 list and the footer. Scripts, styles, forms and
elements whose tag, class or id mark them as page furniture go first; then the plan
body is the element holding most of the page's running text that is not link text,
found by descending from <body> while one child holds most of it. Its blocks become
lines, table cells are separated by tabs, bold runs are marked **…** as the text
versions of plans mark an unnumbered task's heading. The page heading is put in front
when the body does not repeat it.
"""

from __future__ import annotations

import re

from .errors import PlanParseError

NO_BODY = "网页中没有找到方案正文（可能是目录页、链接列表或已删除的页面），请打开方案全文页面后另存，或改传 PDF / .docx。"
PAGE_BROKEN = "无法读取该网页文件，请在浏览器中打开方案全文页面，另存为“网页，仅 HTML”后再导入。"

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "svg",
    "object",
    "embed",
    "map",
)
# Class / id words of page furniture on government sites (English and pinyin).
_FURNITURE = re.compile(
    r"(?i)(?:^|[\s_\-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|position|location|dqwz|share|bshare|fenxiang|"
    r"footer|foot|bottom|copyright|banquan|header|top|topbar|toolbar|search|login|related|relevant|xglj|"
    r"links?|friend-?links?|sidebar|side|print|dayin|qrcode|ewm|pager|pagination|comment|xxgk-?meta|meta-?table)"
    r"(?:$|[\s_\-\d])"
)
_BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "tbody",
    "thead",
    "tfoot",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "center",
    "caption",
    "hr",
}
_PLAN_WORDS = ("方案", "计划", "要点", "清单", "通知", "意见", "任务")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# The fields of an article page: 发布时间 / 来源 / 浏览次数 / 字号 …
_META_LINE = re.compile(
    r"\s*(?:发布时间|发布日期|来源|信息来源|浏览次数|浏览量|点击数|字号|作者|责任编辑)\s*[:：]"
)


def page_text(markup: str) -> str:
    try:
        import lxml.etree
        import lxml.html
    except ImportError:  # pragma: no cover - a declared dependency
        raise PlanParseError(PAGE_BROKEN)
    markup = re.sub(r"^\s*<\?xml[^>]*>", "", markup)
    try:
        root = lxml.html.document_fromstring(markup)
    except (lxml.etree.ParserError, ValueError):
        raise PlanParseError(PAGE_BROKEN)
    heading = _page_heading(root)
    for el in root.xpath("//comment() | //processing-instruction()"):
        _drop(el)
    for el in root.xpath("|".join(f"//{tag}" for tag in _DROP_TAGS)):
        _drop(el)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if marks.strip() and _FURNITURE.search(marks) and not _holds_plan(el):
            _drop(el)
    body = root.find("body")
    content = _content(body if body is not None else root)
    text = _lines(content)
    running = [line for line in text.splitlines() if line.strip() != heading and not _META_LINE.match(line)]
    if len(_HAN.findall("".join(running))) < 40:  # a heading, the page's fields, a notice
        raise PlanParseError(NO_BODY)
    if heading and heading not in text[:2000]:
        text = heading + "\n\n" + text
    return text


def _drop(el) -> None:
    if el.getparent() is None:
        return
    # The text after the element stays: it belongs to the parent.
    el.drop_tree()


def _own_han(el) -> int:
    """Chinese characters of the element's text that is not link text."""
    total = len(_HAN.findall(el.text_content() or ""))
    links = sum(len(_HAN.findall(a.text_content() or "")) for a in el.iter("a"))
    return total - links


def _holds_plan(el) -> bool:
    # A wrapper named "top" or "main-side" that holds the body after all.
    return _own_han(el) > 400


def _content(el):
    """Descend while one child element holds most of the running text."""
    while True:
        children = [c for c in el if isinstance(c.tag, str)]
        if not children:
            return el
        total = _own_han(el)
        best = max(children, key=_own_han)
        if total == 0 or _own_han(best) < 0.7 * total or _data_table(best):
            return el
        el = best


def _data_table(el) -> bool:
    """A table of data (a task list), not one that lays out the page: rows of three
    or more filled cells. The text around it belongs to the plan."""
    if el.tag not in ("table", "tbody", "thead", "tr"):
        return False
    rows = [el] if el.tag == "tr" else el.iter("tr")
    filled = 0
    for row in rows:
        cells = [c for c in row if c.tag in ("td", "th") and (c.text_content() or "").strip()]
        filled += len(cells) >= 3
    return filled >= 2 or (el.tag == "tr" and filled >= 1)


def _page_heading(root) -> str:
    for xpath in ("//h1", "//*[contains(@class,'title')]", "//title"):
        for el in root.xpath(xpath):
            text = re.sub(r"\s+", "", el.text_content() or "")
            if xpath == "//title":
                text = re.split(r"[_|]|--", text)[0]
            if len(_HAN.findall(text)) >= 6 and any(word in text for word in _PLAN_WORDS):
                return text
    return ""


def _bold(el) -> bool:
    if el.tag in ("b", "strong"):
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    return "font-weight:bold" in style or "font-weight:700" in style


def _squash(text: str) -> str:
    # Source line breaks inside a paragraph are not in the plan: dropped between
    # Chinese characters, a space between Latin words.
    return re.sub(
        r"[ \t\r\n]+",
        lambda m: "" if "\n" in m.group(0) or "\r" in m.group(0) else " ",
        text,
    )


def _lines(content) -> str:
    out: list[str] = []

    def walk(el, in_cell: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in _BLOCK
        if tag == "br":
            out.append(" " if in_cell else "\n")
        elif block:
            out.append(" " if in_cell else "\n")
        bold = _bold(el) if tag else False
        if bold:
            out.append("**")
        if el.text and tag:
            out.append(_squash(el.text))
        cell = in_cell or tag in ("td", "th")
        for child in el:
            walk(child, cell)
        if bold:
            out.append("**")
        if tag in ("td", "th") and not in_cell:
            out.append("\t")
        elif block:
            out.append(" " if in_cell else "\n")
        if el.tail:
            out.append(_squash(el.tail))

    walk(content, False)
    lines = []
    for line in "".join(out).replace("\xa0", " ").split("\n"):
        line = re.sub(r"\*\*\s*\*\*", "", line).strip(" \t")
        if line.strip():
            lines.append(line)
    return "\n".join(lines) + "\n"
