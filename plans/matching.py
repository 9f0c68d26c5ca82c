"""What "the same" means when a document meets what is already stored: a plan's title (is
this upload a plan imported before?), a task's, an action's or a target's title (which
task of a revised document is which task of the plan), and the matching of old and new
items by those keys. The import's duplicate check, its revision diff and the revision
itself all match here.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

_KEY_DROP = re.compile(r"[\s\u3000、，,。．.；;：:！!？?“”\"'‘’（）()《》〈〉【】\[\]—\-－_·•]")
_KEY_LABEL = re.compile(r"^(?:[（(]?[一二三四五六七八九十百\d]+[)）、.．]?)+")


def _fold(text: str) -> str:
    return _KEY_DROP.sub("", unicodedata.normalize("NFKC", text or "").strip())


def title_key(title: str) -> str:
    """A task's, action's or target's title folded for matching across versions of a
    document: width, spacing, punctuation and a leading number do not make it different."""
    return _fold(_KEY_LABEL.sub("", unicodedata.normalize("NFKC", title or "").strip()))


def plan_title_key(title: str) -> str:
    """A plan's title folded to tell whether a document repeats a plan: width, spacing
    and punctuation aside. Nothing is dropped from its start: a plan's title opens with
    its region or its year (2026年…工作要点), which tell plans apart."""
    return _fold(title)


def indicator_key(name: str, unit: str) -> str:
    return f"{title_key(name)}|{unicodedata.normalize('NFKC', unit or '').strip()}"


def match_by_key(old_items, new_items, key_old, key_new):
    """Pairs (old, new) matched by key in document order (a title that occurs twice is
    matched occurrence by occurrence), then the unmatched old and new items."""
    pool = {}
    for item in old_items:
        pool.setdefault(key_old(item), []).append(item)
    pairs, added = [], []
    for item in new_items:
        bucket = pool.get(key_new(item))
        if bucket:
            pairs.append((bucket.pop(0), item))
        else:
            added.append(item)
    removed = [item for bucket in pool.values() for item in bucket]
    return pairs, removed, added


def match_tasks(old_items, new_items, key_old, key_new, threshold: float = 0.7):
    """match_by_key, then a second pass that pairs a leftover old title with the most
    similar leftover new one (a reworded heading is still the same task, and keeps its
    reports); below `threshold` they stay removed and added."""
    pairs, removed, added = match_by_key(old_items, new_items, key_old, key_new)
    candidates = sorted(
        (
            (difflib.SequenceMatcher(None, key_old(old), key_new(new)).ratio(), i, j)
            for i, old in enumerate(removed)
            for j, new in enumerate(added)
        ),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    used_old, used_new = set(), set()
    for ratio, i, j in candidates:
        if ratio < threshold:
            break
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((removed[i], added[j]))
    return (
        pairs,
        [item for i, item in enumerate(removed) if i not in used_old],
        [item for j, item in enumerate(added) if j not in used_new],
    )


def match_revision(old_tasks, new_tasks):
    """How a revision meets a plan's tasks (`new_tasks`: ParsedPlan.iter_tasks() of the
    revised document, the same for the diff the office previews and the commit): (pairs
    of a task that stays and its placed task, tasks to archive, pairs of an archived task
    the revision brings back (same folded title) and its placed task, placed tasks to
    create)."""
    active = [t for t in old_tasks if t.archived_at is None]
    archived = [t for t in old_tasks if t.archived_at is not None]
    pairs, removed, added = match_tasks(active, new_tasks, _task_key, _placed_key)
    restored, _gone, created = match_by_key(archived, added, _task_key, _placed_key)
    return pairs, removed, restored, created


def _task_key(task) -> str:
    return title_key(task.title)


def _placed_key(placed) -> str:
    return title_key(placed.title)
