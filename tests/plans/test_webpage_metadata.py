"""A plan saved from a government site takes its 文号 and date from the page's metadata
block (索引号 / 发文字号 / 成文日期 …) when its body does not state them, whatever shape the
block takes; a body that states its own wins."""

import html
import json

import pytest
from django.core.management import call_command

from plans.importing import document_parse

from .docs import SMALL_PLAN

BODY_PLAN = SMALL_PLAN.replace("甲县碳达峰行动方案\n", "")


def page(meta: str, body: str = BODY_PLAN, title: str = "甲县碳达峰行动方案") -> bytes:
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in body.splitlines() if line.strip())
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_政策文件_甲县人民政府</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="main">{meta}
<h1>{title}</h1>
<div class="article-info">发布时间：2022-10-08 09:12 来源：县人民政府办公室</div>
<div id="zoom">{paragraphs}</div>
<div class="share">分享到：<a href="#">微信</a></div></div>
<div class="footer">主办单位：县人民政府办公室</div></body></html>""".encode()


def facts(data: bytes) -> tuple:
    parsed, _text = document_parse(data=data, filename="方案.html")
    return parsed["plan"]["doc_number"], parsed["plan"]["issued"], parsed["plan"]["title"]


TABLE = """<table class="xxgk-meta">
<tr><td>索引号：</td><td>43062100/2022-00012</td><td>主题分类：</td><td>生态环境</td></tr>
<tr><td>发布机构：</td><td>县人民政府办公室</td><td>成文日期：</td><td>2022年9月30日</td></tr>
<tr><th>发文字号</th><td>甲政发〔2022〕12号</td><th>发布日期</th><td>2022-10-08</td></tr>
</table>"""
LIST = """<ul class="xxgk-info">
<li>索引号：43062100/2022-00012　发布机构：县人民政府办公室</li>
<li>文号：甲政发〔2022〕12号</li><li>发文日期：2022-09-30</li>
</ul>"""
DEFINITIONS = """<dl class="meta-table"><dt>索引号</dt><dd>43062100/2022-00012</dd>
<dt>发文字号：</dt><dd>甲政发〔2022〕12号</dd><dt>成文日期：</dt><dd>2022/9/30</dd></dl>"""
SPANS = """<div class="xxgk"><p><span>信息索引号：</span>43062100/2022-00012</p>
<p><span>发文字号：</span>甲政发 〔2022〕 12号</p><p><span>成文日期：</span>2022-09-30</p></div>"""


@pytest.mark.parametrize("meta", [TABLE, LIST, DEFINITIONS, SPANS], ids=["table", "list", "dl", "spans"])
def test_the_metadata_block_gives_the_number_and_date_the_body_lacks(meta):
    assert facts(page(meta)) == ("甲政发〔2022〕12号", "2022-09-30", "甲县碳达峰行动方案")


def test_the_documents_own_date_comes_before_the_pages_publication_date():
    meta = """<table><tr><td>索引号：</td><td>X-1</td></tr><tr><td>发布日期：</td><td>2022-10-08</td></tr>
<tr><td>成文日期：</td><td>2022-09-30</td></tr></table>"""
    assert facts(page(meta))[1] == "2022-09-30"
    only_published = """<table><tr><td>索引号：</td><td>X-1</td></tr><tr><td>发布日期：</td><td>2022-10-08</td></tr></table>"""
    assert facts(page(only_published))[1] == "2022-10-08"


def test_a_body_that_states_its_own_number_and_date_wins():
    body = "甲政发〔2022〕99号\n" + BODY_PLAN + "\n甲县人民政府\n2022年9月1日\n"
    assert facts(page(TABLE, body=body))[:2] == ("甲政发〔2022〕99号", "2022-09-01")


def test_a_number_the_body_only_cites_is_not_its_own():
    body = BODY_PLAN.replace("加强组织领导。", "加强组织领导，落实《甲县方案》（甲政办发〔2021〕3号）要求。")
    assert facts(page(TABLE, body=body))[0] == "甲政发〔2022〕12号"


@pytest.mark.parametrize(
    "meta",
    [
        # One stray field is no metadata block.
        "<p>文号：甲政发〔2022〕12号</p>",
        # Prose that mentions a 文号 is not a field.
        "<p>根据甲政发〔2022〕12号文件精神，索引号另见附件。</p>",
        # A value that is no 文号 or no calendar date.
        "<table><tr><td>索引号：</td><td>X-1</td></tr><tr><td>文号：</td><td>无</td></tr>"
        "<tr><td>成文日期：</td><td>2022-02-30</td></tr></table>",
    ],
    ids=["single-field", "prose", "bad-values"],
)
def test_nothing_is_taken_from_what_is_not_a_metadata_field(meta):
    assert facts(page(meta))[:2] == (None, None)


def test_the_import_command_writes_them_in_its_json(tmp_path):
    source = tmp_path / "方案.html"
    source.write_bytes(page(TABLE))
    out = tmp_path / "plan.json"
    call_command("import_plan", str(source), "--json", str(out))
    plan = json.loads(out.read_text(encoding="utf-8"))["plan"]
    assert (plan["doc_number"], plan["issued"]) == ("甲政发〔2022〕12号", "2022-09-30")
