"""Plan-document parser: text or .docx in, the plan-gold/SCHEMA.md structure out.

Pure Python (no Django), so the import command, the web upload and the tests share it.

    parse_document(data, filename) -> dict     decode, then parse
    decode_document(data, filename) -> str     UTF-8 / GB18030 text or .docx
    parse_plan_text(text, source_name) -> dict
    PlanParseError                              message in Chinese for the user
"""

from .decode import decode_document
from .errors import PlanParseError
from .parser import parse_document, parse_plan_text

__all__ = ["PlanParseError", "decode_document", "parse_document", "parse_plan_text"]
