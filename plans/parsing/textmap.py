"""Text that remembers where each character came from.

Plan documents arrive with debris (markdown bold, HTML fragments, page numbers, CRLF,
full-width digits) and with paragraphs broken across page breaks. The parser matches on
a cleaned copy, but every span it reports must point into the text the user uploaded.
`Text` carries three parallel sequences of equal length:

- `s`: the matching form (full-width ASCII folded to half-width, odd spaces to ' ');
- `d`: the display form (characters as written, debris removed) used for titles,
  labels and agency names, which must appear as written;
- `pos`: for each character, its offset in the source text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Full-width ASCII (！ to ～) folds to ASCII, so one pattern covers "（一）" and "(一)",
# "１．" and "1.", "％" and "%". The mapping is one character to one character, which
# keeps `s`, `d` and `pos` aligned.
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
for _space in (0x3000, 0xA0, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x202F):
    _FOLD[_space] = 0x20
_FOLD[0x2212] = ord("-")  # minus sign
_FOLD[0x2236] = ord(":")  # ratio sign used as a colon by some editors
_TRANSLATE = str.maketrans(_FOLD)


class Text:
    __slots__ = ("s", "d", "pos")

    def __init__(self, s: str, d: str, pos: list[int]):
        self.s = s
        self.d = d
        self.pos = pos

    @classmethod
    def from_source(cls, raw: str) -> Text:
        return cls(raw.translate(_TRANSLATE), raw, list(range(len(raw))))

    def __len__(self) -> int:
        return len(self.s)

    def __bool__(self) -> bool:
        return bool(self.s)

    def __getitem__(self, key: slice) -> Text:
        return Text(self.s[key], self.d[key], self.pos[key])

    def __add__(self, other: Text) -> Text:
        return Text(self.s + other.s, self.d + other.d, self.pos + other.pos)

    @classmethod
    def join(cls, pieces: list[Text]) -> Text:
        return cls(
            "".join(p.s for p in pieces), "".join(p.d for p in pieces), [i for p in pieces for i in p.pos]
        )

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Text({self.d!r})"

    def span(self, start: int = 0, end: int | None = None) -> tuple[int, int]:
        """Source offsets [start, end) of the characters start..end of this text."""
        end = len(self.s) if end is None else end
        if end <= start:
            at = self.pos[start] if start < len(self.pos) else (self.pos[-1] + 1 if self.pos else 0)
            return at, at
        return self.pos[start], self.pos[end - 1] + 1

    def strip(self) -> Text:
        s = self.s
        start = len(s) - len(s.lstrip())
        end = len(s.rstrip())
        return self[start:end] if end > start else self[0:0]

    def lines(self) -> list[Text]:
        out, start = [], 0
        for m in re.finditer("\n", self.s):
            out.append(self[start : m.start()])
            start = m.end()
        out.append(self[start:])
        return out


def rewrite(
    text: Text,
    pattern: re.Pattern,
    repl: str | Callable[[re.Match], str] = "",
    keep: int | None = None,
    marks: set[int] | None = None,
) -> Text:
    """Apply `pattern` to `text.s`, replacing each match by `repl` (new characters map
    to the match's source offset) or by the characters of group `keep` (which keep their
    own offsets). With `marks`, the source offset of the character that follows each
    match is recorded, so a removed `**` can still bound a bold heading."""
    s_parts, d_parts, p_parts = [], [], []
    last = 0
    n = len(text.s)
    for m in pattern.finditer(text.s):
        a, b = m.span()
        s_parts.append(text.s[last:a])
        d_parts.append(text.d[last:a])
        p_parts.extend(text.pos[last:a])
        if keep is not None:
            ka, kb = m.span(keep)
            if ka >= 0:
                s_parts.append(text.s[ka:kb])
                d_parts.append(text.d[ka:kb])
                p_parts.extend(text.pos[ka:kb])
        else:
            new = repl(m) if callable(repl) else repl
            if new:
                at = text.pos[a] if a < n else (text.pos[-1] + 1 if n else 0)
                s_parts.append(new.translate(_TRANSLATE))
                d_parts.append(new)
                p_parts.extend([at] * len(new))
        if marks is not None and b < n:
            marks.add(text.pos[b])
        last = b
    if not s_parts:
        return text
    s_parts.append(text.s[last:])
    d_parts.append(text.d[last:])
    p_parts.extend(text.pos[last:])
    return Text("".join(s_parts), "".join(d_parts), p_parts)
