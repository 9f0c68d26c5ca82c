from __future__ import annotations

from carbonplan.downloads import Export


class Exporter:
    """Turns a context dict into one file. Subclasses set extension and mimetype."""

    extension = ""
    mimetype = "application/octet-stream"

    def filename(self, context: dict) -> str:
        return f"{context.get('title', 'export')}.{self.extension}"

    def render(self, context: dict) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def export(self, context: dict) -> Export:
        return Export(self.filename(context), self.mimetype, self.render(context))
