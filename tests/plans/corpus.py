"""Variants of the real plans in fixtures/docs, as offices actually receive them.

Each builder takes the text of a fixture plan and returns the bytes of the same plan in
another form: a published PDF (running header with the issuing office and document
number, page numbers, a narrow text block so every paragraph wraps mid-sentence), a
web page saved from a government site (navigation, breadcrumb, 索引号 table, share
links, related links, footer; UTF-8 or GBK), a text whose converter left debris in
the lines, and a text renumbered in another numbering style. The structure of every
variant is the structure of the fixture.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "fixtures" / "docs"
NAMES = sorted(p.stem for p in DOCS.glob("*.txt"))

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def fixture_text(name: str) -> str:
    return (DOCS / f"{name}.txt").read_text(encoding="utf-8")


def _doc_number(text: str) -> str:
    m = re.search(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号", text)
    return m.group(0) if m else "〔2026〕1号"


def _paragraph_html(line: str) -> str:
    body = html.escape(line.strip())
    return _BOLD.sub(r"<b>\1</b>", body)


# --- PDF ---------------------------------------------------------------------------------

PAGE_NUMBER_STYLES = {
    "dash": '"— " counter(page) " —"',
    "of": '"第" counter(page) "页 共" counter(pages) "页"',
}


_ACTION_HEADING = re.compile(r"^\s*[（(][一二三四五六七八九十]+[)）]")


def _heading_class(line: str, big: bool) -> str:
    if big and _ACTION_HEADING.match(line):
        return "h"
    if big and re.search(r"方案(?:》的通知)?$", line.strip()) and len(line.strip()) <= 40:
        return "title"  # the plan's title, large and centred: it breaks over two lines
    return ""


def pdf_html(text: str, page_numbers: str = "dash", table_rows: int = 0, big_headings: bool = False) -> str:
    """The HTML WeasyPrint renders: A5 pages with wide margins, the office and the
    document number as a running header, a page number at the foot; with table_rows,
    an appended 附件 table long enough to run over a page break; with big_headings,
    section headings set large and bold so that they break over two lines."""
    header = f"{_issuer(text)}　　{_doc_number(text)}"
    paras = "\n".join(
        f'<p class="{_heading_class(line, big_headings)}">{_paragraph_html(line)}</p>'
        for line in text.splitlines()
        if line.strip()
    )
    table = ""
    if table_rows:
        rows = "\n".join(
            f"<tr><td>{n}</td><td>重点项目{n}号工程建设</td><td>县发改局</td><td>2026年底前</td></tr>"
            for n in range(1, table_rows + 1)
        )
        table = (
            "<p>附件：重点项目清单</p><table><thead><tr><th>序号</th><th>项目名称</th>"
            f"<th>责任单位</th><th>完成时限</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{
  size: A5; margin: 22mm 18mm 20mm 18mm;
  @top-center {{ content: "{header}"; font-size: 8pt; }}
  @bottom-center {{ content: {PAGE_NUMBER_STYLES[page_numbers]}; font-size: 8pt; }}
}}
body {{ font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 10.5pt; line-height: 1.5; }}
p {{ margin: 0 0 2pt 0; text-indent: 2em; text-align: justify; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9pt; }}
td, th {{ border: 0.5pt solid #000; padding: 2pt 4pt; }}
p.h {{ font-size: 24pt; font-weight: bold; line-height: 1.3; }}
p.title {{ font-size: 22pt; text-align: center; text-indent: 0; line-height: 1.4; margin: 6pt 0; }}
</style></head><body>
{paras}
{table}
</body></html>"""


def _issuer(text: str) -> str:
    m = re.search(r"([\u4e00-\u9fff]{2,8}(?:人民政府办公室|人民政府))", text)
    return m.group(1) if m else "县人民政府办公室"


def render_pdf(
    text: str, page_numbers: str = "dash", table_rows: int = 0, big_headings: bool = False
) -> bytes:
    from weasyprint import HTML

    return HTML(string=pdf_html(text, page_numbers, table_rows, big_headings)).write_pdf()


# --- saved web page ----------------------------------------------------------------------


def web_page(text: str, encoding: str = "utf-8", with_plan: bool = True) -> bytes:
    """A 政策文件 page of a government site, saved from the browser."""
    title = next((line.strip() for line in text.splitlines() if "方案" in line), "实施方案")
    body = "\n".join(
        f'<p style="text-indent:2em">{_paragraph_html(line)}</p>'
        for line in text.splitlines()
        if line.strip()
    )
    if not with_plan:
        body = "<p>该页面已删除或暂未公开。</p>"
    charset = "gb2312" if encoding.lower() in ("gbk", "gb2312", "gb18030") else "utf-8"
    nav = "".join(
        f'<li><a href="/{n}/">{n}</a></li>' for n in ("首页", "政务公开", "政务服务", "互动交流", "走进本县")
    )
    related = "".join(
        f'<li><a href="/art/{n}.html">关于印发《第{n}批重点项目建设计划》的通知</a><span>2025-0{n}-12</span></li>'
        for n in range(1, 6)
    )
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(title)}_政策文件_县人民政府门户网站</title>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); }})();</script>
<style>.nav li {{ float: left; }}</style></head>
<body>
<div class="top">无障碍浏览 | 长者模式 | 繁体版 | 登录</div>
<div class="nav"><ul>{nav}</ul></div>
<div class="search"><input type="text" placeholder="请输入关键词"><button>搜索</button></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt;
<a href="/zcwj/">政策文件</a> &gt; 县政府办文件</div>
<div class="main">
<table class="xxgk-meta">
<tr><td>索引号：</td><td>43062100/2026-00012</td><td>分类：</td><td>生态环境、碳达峰</td></tr>
<tr><td>发布机构：</td><td>县人民政府办公室</td><td>发文日期：</td><td>2026-02-20</td></tr>
<tr><td>名称：</td><td>{html.escape(title)}</td><td>文号：</td><td>{html.escape(_doc_number(text))}</td></tr>
<tr><td>主题词：</td><td>碳达峰；方案</td><td>有效性：</td><td>有效</td></tr>
</table>
<div class="article-title"><h1>{html.escape(title)}</h1></div>
<div class="article-info">发布时间：2026-02-24 16:17 来源：县人民政府办公室 浏览次数：1024
字号：[<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>]</div>
<div class="article-content" id="zoom">
{body}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a>
【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
<div class="related"><h3>相关链接</h3><ul>{related}</ul></div>
</div>
<div class="footer"><p>主办单位：县人民政府办公室　承办单位：县数据局</p>
<p>网站标识码：4306210001　湘ICP备05001234号　湘公网安备 43062102000123号</p>
<p>地址：县城行政中心　联系电话：0730-1234567</p></div>
</body></html>"""
    return page.encode("gb18030" if charset != "utf-8" else "utf-8")


# --- debris ------------------------------------------------------------------------------

_HEADING = re.compile(
    r"^(\s*)((?:[一二三四五六七八九十]+、)|(?:[（(][一二三四五六七八九十]+[）)])|(?:\d{1,2}[.．、]))"
)


def with_debris(text: str) -> str:
    """The plan as a Word-to-text converter leaves it: bookmarks between a heading's
    number and its title, anchors, field codes, a table of contents, footnote
    markers, image placeholders, markdown escapes, zero-width and no-break spaces,
    full-width digits and spaces inside numbering."""
    out = [
        "目  录",
        "一、主要目标..........................1",
        "二、重点任务……………………………………3",
        "三、保障措施 ·························· 12",
        '{ TOC \\o "1-3" \\h \\z \\u }',
    ]
    for n, line in enumerate(text.splitlines()):
        m = _HEADING.match(line)
        if m:
            label = m.group(2)
            label = label.replace("1", "１").replace("(", "（ ").replace("（", "（ ").replace(")", " ）")
            label = re.sub(r"^(\d+)([.．])", r"\1 \2", label)
            marker = (
                f"[bookmark: _Toc{141604333 + n}]",
                f"[]{{#_Toc{141604333 + n} .anchor}}",
                f'<a name="_Toc{141604333 + n}"></a>',
            )[n % 3]
            line = f"{m.group(1)}{label}{marker}{line[m.end() :]}"
        elif line.strip() and n % 7 == 0:
            line = line.replace("，", "[1]，", 1)
        elif line.strip() and n % 11 == 0:
            line = "\u3000\u3000" + line.replace("。", "。\u200b", 2)
        elif line.strip() and n % 13 == 0:
            line = "![](media/image1.png)\n" + line.replace("，", "\u00a0，", 1)
        out.append(line)
    return "\n".join(out) + "\n"


_CN = "一二三四五六七八九十"
_TASK = re.compile(r"^(\s*)(\d{1,2})[.．、]\s*")
_ACTION = re.compile(r"^(\s*)[（(]([一二三四五六七八九十]{1,3})[）)]\s*")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# How a plan may number its actions and its tasks: label makers by number.
ACTION_STYLES = {
    "（一）": lambda n, cn: f"（{cn}）",
    "(一)": lambda n, cn: f"({cn})",
    "第一条": lambda n, cn: f"第{cn}条 ",
}
TASK_STYLES = {
    "1.": lambda n: f"{n}.",
    "1、": lambda n: f"{n}、",
    "（1）": lambda n: f"（{n}）",
    "(1)": lambda n: f"({n})",
    "1．": lambda n: f"{n}．",
    "①": lambda n: _CIRCLED[n - 1],
}


def renumbered(text: str, action_style: str = "(一)", task_style: str = "1、") -> str:
    """The plan with its actions and tasks numbered in another of the common styles."""
    action, task = ACTION_STYLES[action_style], TASK_STYLES[task_style]
    lines = []
    for line in text.splitlines():
        m = _TASK.match(line)
        if m:
            line = m.group(1) + task(int(m.group(2))) + line[m.end() :]
        else:
            m = _ACTION.match(line)
            if m:
                n = _CN.index(m.group(2)[-1]) + 1 + (10 if len(m.group(2)) > 1 else 0)
                line = m.group(1) + action(n, m.group(2)) + line[m.end() :]
        lines.append(line)
    return "\n".join(lines) + "\n"


def to_docx(text: str) -> bytes:
    """The plan as a .docx with one paragraph per line (bold runs kept)."""
    import io

    import docx

    document = docx.Document()
    for line in text.splitlines():
        if not line.strip():
            continue
        paragraph = document.add_paragraph()
        for n, piece in enumerate(_BOLD.split(line.strip())):
            if piece:
                paragraph.add_run(piece).bold = n % 2 == 1
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- .doc --------------------------------------------------------------------------------


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_doc(text: str) -> bytes:
    """The plan as a Word 97 .doc, converted by LibreOffice from a web page."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "plan.html"
        body = "".join(f"<p>{_paragraph_html(line)}</p>" for line in text.splitlines() if line.strip())
        source.write_text(f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>', "utf-8")
        subprocess.run(
            [
                soffice(),
                f"-env:UserInstallation=file://{folder}/profile",
                "--headless",
                "--convert-to",
                "doc:MS Word 97",
                "--outdir",
                folder,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return (Path(folder) / "plan.doc").read_bytes()
