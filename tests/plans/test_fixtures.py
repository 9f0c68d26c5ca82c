import json

import pytest

from plans.importing import parse_file

from .docs import DOCS, EXPECTED, NAMES, expected_structure
from .scoring import bare

FIXTURES = DOCS.parent


@pytest.mark.parametrize("name", NAMES)
def test_each_fixture_is_what_the_import_makes_of_its_document(name):
    """fixtures/*.json are regenerated with `import_plan fixtures/docs/X.txt --json
    fixtures/X.json`; a parser change that alters them shows up here."""
    parsed, _text = parse_file(DOCS / f"{name}.txt")
    stored = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(parsed, ensure_ascii=False)) == stored, (
        f"fixtures/{name}.json is stale: python manage.py import_plan fixtures/docs/{name}.txt --json fixtures/{name}.json"
    )


def test_there_is_a_fixture_and_an_expected_structure_for_every_document():
    assert NAMES and all((FIXTURES / f"{name}.json").exists() for name in NAMES)
    assert sorted(path.stem for path in EXPECTED.glob("*.json")) == NAMES
    assert (FIXTURES / "regions.json").exists()


@pytest.mark.parametrize("name", NAMES)
def test_the_expected_structure_is_taken_from_its_document(name):
    """Every title, agency and indicator of tests/plans/expected/X.json is in
    fixtures/docs/X.txt (punctuation and line breaks aside), so the structure the parser
    is scored against describes that document and no other."""
    expected = expected_structure(name)
    text = bare((DOCS / f"{name}.txt").read_text(encoding="utf-8"))

    def absent(fragment):
        return fragment is not None and bare(fragment) not in text

    assert expected["source"] == f"{name}.txt"
    assert not absent(expected["plan"]["region"]) and not absent(expected["plan"]["doc_number"])
    tasks = [task for action in expected["actions"] for task in action["tasks"]]
    indicators = expected["goals"] + [i for task in tasks for i in task["indicators"]]
    missing = [a["title"] for a in expected["actions"] if absent(a["title"])]
    missing += [t["title"] for t in tasks if absent(t["title"])]
    missing += [agency for t in tasks for agency in t["lead"] + t["support"] if absent(agency)]
    missing += [i["text"] for i in indicators if absent(i["text"])]
    missing += [i["text"] for i in indicators if f"{i['target']:g}" not in i["text"]]
    assert tasks and not missing
