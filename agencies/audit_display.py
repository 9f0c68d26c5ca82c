"""An audit entry's changes as a reader sees them: labelled in the reader's language,
long texts compared sentence by sentence with what was added and removed marked.

A change is recorded as ``[old, new]`` (see audit.diff_fields) or as a single value (a
chase's message). Two texts where either is long, or holds several sentences, are split
at 。！？；and line ends and compared with difflib on the sentence lists: unchanged
sentences are shown once, removed ones in <del>, added ones in <ins>. Everything shown
is escaped first: these are texts agencies typed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .audit import entry_changes

# A sentence ends after one of these (kept with its sentence) or at a line end.
SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n")
# Shorter single-sentence texts read best as "old → new".
LONG_TEXT = 40


@dataclass
class ChangeRow:
    label: str
    html: SafeString  # the change, escaped and marked up
    text: str  # the same in plain text, for the spreadsheet


def sentences(text: str) -> list[str]:
    return [s for s in (part.strip() for part in SENTENCE_END.split(text or "")) if s]


def _is_long(old, new) -> bool:
    texts = [t for t in (old, new) if isinstance(t, str)]
    return any(len(t) > LONG_TEXT or len(sentences(t)) > 1 for t in texts) and all(
        t is None or isinstance(t, str) for t in (old, new)
    )


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(_show(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_show(v)}" for k, v in value.items())
    return str(value)


def sentence_diff(old: str | None, new: str | None) -> tuple[SafeString, str]:
    """(html, text): the new text's sentences with the removed ones struck out and the
    added ones marked, in reading order."""
    before, after = sentences(old or ""), sentences(new or "")
    html, text = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op == "equal":
            html += [escape(s) for s in before[i1:i2]]
            text += before[i1:i2]
            continue
        html += [format_html("<del>{}</del>", s) for s in before[i1:i2]]
        html += [format_html("<ins>{}</ins>", s) for s in after[j1:j2]]
        text += [f"[-{s}-]" for s in before[i1:i2]] + [f"[+{s}+]" for s in after[j1:j2]]
    return mark_safe("".join(html)), "".join(text)  # noqa: S308 -- every part escaped above


def change_rows(entry, projects: dict | None = None) -> list[ChangeRow]:
    """The entry's changes, a project's quarter named by the project's name (`projects`:
    audit.project_names of the page the entry is shown on)."""
    rows = []
    for label, change in entry_changes(entry, projects):
        if isinstance(change, list) and len(change) == 2:
            old, new = change
            if _is_long(old, new):
                html, text = sentence_diff(old, new)
            else:
                text = f"{_show(old)} → {_show(new)}"
                html = format_html("{} → {}", _show(old), _show(new))
        else:
            text = _show(change)
            html = format_html("{}", text)
        rows.append(ChangeRow(label=str(label), html=html, text=text))
    return rows


def change_text(entry, projects: dict | None = None) -> str:
    """All the changes of an entry in plain text, one per line (the Excel export)."""
    return "\n".join(f"{row.label}：{row.text}" for row in change_rows(entry, projects))
