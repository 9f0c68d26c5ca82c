"""Exporters: classes whose export(context) returns an Export (carbonplan.downloads)."""

from .bulletin_docx import BulletinDocx
from .bulletin_pdf import BulletinPdf
from .bulletin_xlsx import BulletinXlsx
from .missing_xlsx import MissingXlsx

__all__ = ["BulletinDocx", "BulletinPdf", "BulletinXlsx", "MissingXlsx"]
