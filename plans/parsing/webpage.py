"""A web page saved from a government site (政府信息公开 / 政策文件) to plan text.

The page carries the plan among navigation, a breadcrumb, the 索引号 / 发布机构 table,
share and print links, a 相关链接 list and the footer. Scripts, styles, forms and
elements whose tag, class or id mark them as page furniture go first; then the plan
body is the element holding most of the page's running text that is not link text,
found by descending from <body> while one child holds most of it. Its blocks become
lines, table cells are separated by tabs, bold runs are marked **…** as the text
versions of plans mark an unnumbered task's heading. The page heading is put in front
when the body does not repeat it.

Government sites publish a document with a metadata block (政府信息公开目录 fields):
索引号, 发布机构 / 发文机关, 发文字号 / 文号, 成文日期 / 发文日期 / 发布日期, 主题分类 …, as
label and value cells of a table, a label cell and the text after it, <dt>/<dd> pairs,
or “标签：值” runs in one cell or list item. The block is furniture, but its 文号 and
date are the document's own: when the body does not state a 文号 (a line of its own
under the title) or a date (the line under the signature, or a 成文日期 field), they
are read from a block that shows at least two such labels, checked (a 文号 shaped
like 岳政发〔2022〕12号, a real calendar date) and put in front of the body as
“文号：…” / “成文日期：…” lines, as the text of a saved page carries them. A body that
states its own wins: the page's fields are a fallback, never an override.
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


# The labels of a metadata block; any of them also ends the value before it.
_META_LABELS = (
    "索引号|统一登记号|信息索引号|发布机构|发文机关|发文单位|发文字号|发文文号|文号|成文日期|发文日期|"
    "印发日期|签发日期|发布日期|公开日期|生效日期|废止日期|信息时效期|有效性|主题分类|体裁分类|组配分类|"
    "分类|主题词|关键词|名称|标题|信息名称|公开方式|公开范围|信息状态|信息来源"
)
_LABEL_RUN = re.compile(rf"({_META_LABELS})\s*[:：]?\s*")
_LABEL_ONLY = re.compile(rf"^\s*(?:{_META_LABELS})\s*[:：]?\s*$")
_NUMBER_LABELS = ("发文字号", "发文文号", "文号")
# The document's own date first; the page's publication date only when nothing else.
_DATE_LABELS = ("成文日期", "发文日期", "印发日期", "签发日期", "发布日期", "公开日期")
_DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]\s*\d{1,4}\s*号")
_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?")
_DATE_CN = re.compile(
    r"^[〇○零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日$"
)
_FIRST_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+[章部分])")
_LEAF_BLOCKS = {"table", "tbody", "thead", "tr", "td", "th", "ul", "ol", "li", "dl", "dt", "dd", "div", "p"}


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
    fields = _meta_fields(root)
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
    fields = _fields_the_body_lacks(text, fields)
    if fields:
        text = "".join(f"{label}：{value}\n" for label, value in fields) + text
    if heading and heading not in text[:2000]:
        text = heading + "\n\n" + text
    return text


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\xa0", " ")).strip()


def _meta_pairs(root) -> list[tuple[str, str]]:
    """(label, value) of every field shaped like a metadata block's, in page order."""
    pairs = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "head", "script", "style"):
            continue
        if any(isinstance(c.tag, str) and c.tag in _LEAF_BLOCKS for c in el):
            continue  # a container: its cells speak for themselves
        text = _norm(el.text_content())
        if not text or len(text) > 200:
            continue
        if _LABEL_ONLY.match(text):
            # A label cell: the value is the next cell (<td>, <dd>, <span>) or the text after it.
            label = _LABEL_RUN.match(text.strip()).group(1)
            following = el.getnext()
            value = _norm(el.tail) or (_norm(following.text_content()) if following is not None else "")
            if value and not _LABEL_ONLY.match(value):
                pairs.append((label, value))
            continue
        runs = list(_LABEL_RUN.finditer(text))
        # “标签：值” runs: only where the text starts with a label, so prose naming a 文号 is not a field.
        if not runs or runs[0].start() != 0 or not re.match(rf"^(?:{_META_LABELS})\s*[:：]", text):
            continue
        for run, after in zip(runs, [*runs[1:], None], strict=True):
            value = text[run.end() : after.start() if after else len(text)].strip(" ：:|;；")
            if value:
                pairs.append((run.group(1), value))
    return pairs


def _iso_date(value: str) -> str | None:
    import datetime as dt

    m = _DATE.search(value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _meta_fields(root) -> dict[str, str]:
    """The page's 文号 and date from its metadata block: {"文号": …, "成文日期": …}."""
    pairs = _meta_pairs(root)
    if len({label for label, _value in pairs}) < 2:
        return {}  # one stray “文号：” is no metadata block
    fields = {}
    for label, value in pairs:
        if label in _NUMBER_LABELS and "文号" not in fields:
            m = _DOC_NO.search(value)
            if m:
                fields["文号"] = re.sub(r"\s+", "", m.group(0))
    dates = {label: _iso_date(value) for label, value in reversed(pairs) if label in _DATE_LABELS}
    for label in _DATE_LABELS:
        if dates.get(label):
            fields["成文日期"] = dates[label]
            break
    return fields


def _fields_the_body_lacks(text: str, fields: dict[str, str]) -> list[tuple[str, str]]:
    """The page's fields the body does not state itself, as (label, value) lines."""
    if not fields:
        return []
    lines = [line.strip() for line in text.splitlines()]
    head = []
    for line in lines:
        if _FIRST_HEADING.match(line):
            break
        head.append(line)
    states_number = any(
        (m := _DOC_NO.search(line))
        and line[max(0, m.start() - 1) : m.start()] not in ("（", "(", "《")
        and "》" not in line[max(0, m.start() - 3) : m.start()]
        and len(line) <= 40
        for line in head
    )
    states_date = any(
        len(line) <= 20 and "印发" not in line and (_DATE.fullmatch(line) or _DATE_CN.match(line))
        for line in lines
    ) or any(re.match(r"(?:成文日期|发文日期|签发日期|印发日期)\s*[:：]", line) for line in lines)
    wanted = []
    if "文号" in fields and not states_number:
        wanted.append(("文号", fields["文号"]))
    if "成文日期" in fields and not states_date:
        wanted.append(("成文日期", fields["成文日期"]))
    return wanted


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
