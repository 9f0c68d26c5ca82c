import json
from pathlib import Path

import pytest

from plans.importing import parse_file

from .docs import DOCS

FIXTURES = DOCS.parent
NAMES = sorted(p.stem for p in DOCS.glob("*.txt"))


@pytest.mark.parametrize("name", NAMES)
def test_each_fixture_is_what_the_import_makes_of_its_document(name):
    """fixtures/*.json are regenerated with `import_plan fixtures/docs/X.txt --json
    fixtures/X.json`; a parser change that alters them shows up here."""
    parsed, _text = parse_file(DOCS / f"{name}.txt")
    stored = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(parsed, ensure_ascii=False)) == stored, (
        f"fixtures/{name}.json is stale: python manage.py import_plan fixtures/docs/{name}.txt --json fixtures/{name}.json"
    )


def test_there_is_a_fixture_for_every_shared_document():
    assert NAMES and all((FIXTURES / f"{name}.json").exists() for name in NAMES)
    assert Path(FIXTURES / "regions.json").exists()
