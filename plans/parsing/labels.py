"""Numbering labels of plan headings, in every style these documents use.

Matched on the folded text (see textmap), so "（一）" and "(一)", "1．" and "1." are one
pattern each. The kind of a label says nothing about its depth: plans nest
一、 > （一） > 1. > （1） most of the time, but not always, so depth is decided by the
order in which kinds first appear (see structure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = "一二三四五六七八九十百零〇两"
_CN = "[一二三四五六七八九十百]{1,3}"
# A decimal heading number is followed by its title, not by a unit: "1.1 推动…", not "1.5万千瓦".
_NOT_AMOUNT = r"(?=[ \t]|[\u4e00-\u9fff])(?![ \t]*(?:万|亿|千|百|%|倍|个|家|吨|米|平方|公|亩|辆|年|月|日|元))"

LABEL = re.compile(
    rf"""\s*(?:
      (?P<chapter>第\s*(?P<chapter_n>{_CN}|\d{{1,2}})\s*(?:章|篇|部分))
    | (?P<section>第\s*(?P<section_n>{_CN}|\d{{1,2}})\s*节)
    | (?P<article>第\s*(?P<article_n>{_CN}|\d{{1,3}})\s*条[ \t:：]*)                 # 第一条
    | (?P<shi>(?P<shi_n>{_CN})是(?=[\u4e00-\u9fff“"《(]))        # 一是……二是……
    | (?P<cn>(?P<cn_n>{_CN})\s*[、.,])                       # 一、  一.
    | (?P<cn_paren>\(\s*(?P<cn_paren_n>{_CN})\s*\)\s*[、.]?)  # （一） (一)
    | (?P<num_paren>\(\s*(?P<num_paren_n>\d{{1,2}})\s*\)\s*[、.]?)  # （1） (1)
    | (?P<dotted3>(?P<dotted3_n>\d{{1,2}}\.\d{{1,2}}\.\d{{1,2}})\.?{_NOT_AMOUNT})  # 1.1.1
    | (?P<dotted2>(?P<dotted2_n>\d{{1,2}}\.\d{{1,2}})\.?{_NOT_AMOUNT})      # 1.1 (not 1.5万千瓦)
    | (?P<num>(?P<num_n>\d{{1,2}})\s*[、.](?!\d))             # 1.  1、  1．  (not 1.5)
    | (?P<num_half>(?P<num_half_n>\d{{1,2}})\s*\)(?!\d))      # 1)
    | (?P<circled>[①-⑳])                                   # ①
    | (?P<num_space>(?P<num_space_n>\d{{1,2}})\ +(?=[\u4e00-\u9fff]){_NOT_AMOUNT})  # "3 重点任务" (checked below)
    )""",
    re.X,
)
KINDS = (
    "chapter",
    "section",
    "article",
    "shi",
    "cn",
    "cn_paren",
    "num_paren",
    "dotted3",
    "dotted2",
    "num",
    "num_half",
    "circled",
    "num_space",
)


@dataclass(frozen=True)
class Label:
    kind: str
    number: int
    start: int  # offsets of the label within the paragraph
    end: int  # end of the label including its trailing punctuation and spaces


def cn_to_int(word: str) -> int:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 一百零五 -> 105; digits pass through."""
    if word.isdigit():
        return int(word)
    values = {c: i for i, c in enumerate("零一二三四五六七八九")}
    values.update({"〇": 0, "两": 2})
    total, current = 0, 0
    for ch in word:
        if ch in values:
            current = values[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "千":
            total += (current or 1) * 1000
            current = 0
    return total + current


def find_label(s: str) -> Label | None:
    m = LABEL.match(s)
    if not m:
        return None
    for kind in KINDS:
        if m.group(kind) is not None:
            if kind == "circled":
                number = ord(m.group(kind)) - ord("①") + 1
            elif kind in ("dotted2", "dotted3"):
                number = int(m.group(f"{kind}_n").rsplit(".", 1)[1])
            else:
                number = cn_to_int(m.group(f"{kind}_n"))
            end = m.end()
            while end < len(s) and s[end] in " \t":
                end += 1
            if kind == "num_space" and (len(s) - end > 30 or re.search(r"[,，。;；:：]", s[end:])):
                return None  # "3 重点任务" is a heading; a number and a sentence is not
            return Label(kind, number, m.start(kind), end)
    return None  # pragma: no cover - one group always matches


def label_as_written(d: str, label: Label) -> str:
    """The label as the document writes it, without trailing 、 . ， or spaces
    (SCHEMA: "1" for "1.", "（一）" for "（一）")."""
    written = d[label.start : label.end].strip().rstrip("、.．,，:：").strip()
    return re.sub(r"[ \t\u3000\xa0]+", "", written)  # "（ 1 ）" as "（1）"
