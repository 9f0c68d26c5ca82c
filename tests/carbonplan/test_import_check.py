"""bin/check-imports, the check CI runs on the shape of the code, finds what it should:
import cycles (local imports and jobs included), imports of a higher layer and long
modules, each named with the lines that make it, and nothing in a clean tree."""

import importlib.machinery
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bin" / "check-imports"


@pytest.fixture(scope="module")
def check():
    loader = importlib.machinery.SourceFileLoader("check_imports", str(SCRIPT))
    spec = importlib.util.spec_from_loader("check_imports", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def write(root: Path, files: dict[str, str]):
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")


# Package names of their own: the project's real apps are already imported in this process.
LAYERS = [("lowapp", "otherapp"), ("topapp",)]
CLEAN = {
    "lowapp/__init__.py": "",
    "lowapp/models.py": "X = 1\n",
    "lowapp/services.py": "from .models import X\n\n\ndef run():\n    from . import jobs\n",
    "lowapp/jobs.py": "",
    "lowapp/migrations/__init__.py": "",
    "lowapp/migrations/0001_initial.py": "from lowapp import services\n",
    "otherapp/__init__.py": "",
    "otherapp/views.py": "from lowapp.services import run\n",
    "topapp/__init__.py": "",
    "topapp/rollups.py": "from lowapp.models import X\nfrom otherapp import views\n",
    "tests/test_x.py": "import topapp.rollups\n" + "x = 1\n" * 700,
}


def test_a_clean_tree_passes(check, tmp_path):
    write(tmp_path, CLEAN)
    problems, summary = check.report(tmp_path, layers=LAYERS, max_lines=20)
    assert problems == []
    assert "import cycles: 0 (0 modules); upward imports: 0; modules over 20 lines: 0" in summary


def test_a_cycle_through_a_local_import_and_a_jobs_module_is_named_with_its_lines(check, tmp_path):
    write(
        tmp_path,
        {
            **CLEAN,
            "lowapp/jobs.py": "def job():\n    from .services import run\n",
            "lowapp/selectors.py": "from .services import run\n",
            "lowapp/models.py": "X = 1\n\n\ndef later():\n    from lowapp import selectors\n",
        },
    )
    problems, summary = check.report(tmp_path, layers=LAYERS, max_lines=20)
    assert "import cycles: 1 (4 modules)" in summary
    (cycle,) = problems
    assert cycle.startswith(
        "import cycle: lowapp.jobs <-> lowapp.models <-> lowapp.selectors <-> lowapp.services"
    )
    assert "lowapp.services -> lowapp.jobs (lowapp/services.py:5)" in cycle
    assert "lowapp.jobs -> lowapp.services (lowapp/jobs.py:2)" in cycle
    assert "lowapp.models -> lowapp.selectors (lowapp/models.py:5)" in cycle


def test_an_import_of_a_higher_layer_and_a_long_module_are_named(check, tmp_path):
    write(
        tmp_path,
        {
            **CLEAN,
            "otherapp/views.py": "from lowapp.services import run\n\n\ndef f():\n    import topapp.rollups\n"
            + "# …\n" * 30,
        },
    )
    problems, summary = check.report(tmp_path, layers=LAYERS, max_lines=20)
    assert "upward import: otherapp.views -> topapp.rollups (otherapp/views.py:5)" in problems
    assert "long module: otherapp/views.py 35 lines (at most 20)" in problems
    assert "upward imports: 1; modules over 20 lines: 1" in summary


def test_the_command_exits_with_one_on_a_problem_and_zero_without(tmp_path):
    """The project's own apps and rule (agencies … plans below reports) on a tree of them,
    run as CI runs it."""
    tree = {
        "agencies/__init__.py": "",
        "agencies/models.py": "",
        "reports/__init__.py": "",
        "reports/rollups.py": "from agencies import models\n",
    }
    write(tmp_path / "clean", tree)
    write(tmp_path / "upward", {**tree, "agencies/services.py": "from reports.rollups import models\n"})
    run = [sys.executable, str(SCRIPT)]
    # A fresh process, so the project's own apps are not already imported.
    clean = subprocess.run([*run, str(tmp_path / "clean")], capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.strip().endswith("modules over 600 lines: 0")
    upward = subprocess.run([*run, str(tmp_path / "upward")], capture_output=True, text=True, timeout=60)
    assert upward.returncode == 1
    assert "upward import: agencies.services -> reports.rollups (agencies/services.py:1)" in upward.stdout
