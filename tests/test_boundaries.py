"""The layers point one way: models know no screen and no training script, training knows no page,
the app never imports training or torchvision."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN = {  # folder -> the packages its files may not import
    "models": {"streamlit", "altair", "ui", "pages", "training"},
    "training": {"streamlit", "altair", "ui", "pages"},
    "ui": {"training", "pages", "torchvision"},
    "pages": {"training", "torchvision"},
}


def imported(path: Path) -> set[str]:
    """The top-level names of every absolute import in a file, those inside functions included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("folder", FORBIDDEN)
def test_each_layer_imports_only_the_layers_below(folder):
    files = sorted((ROOT / folder).glob("*.py")) + ([ROOT / "app.py"] if folder == "pages" else [])
    crossing = {path.name: sorted(imported(path) & FORBIDDEN[folder]) for path in files}
    assert files and not {name: found for name, found in crossing.items() if found}


def test_the_running_app_never_imports_torchvision():
    """It costs each app process about 175 MB (through any import chain); only training uses it."""
    check = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from ui.navigation import PAGES\n"
        "app = AppTest.from_file('app.py', default_timeout=120).run()\n"
        "for page in PAGES:\n"
        "    app.switch_page(page.path).run()\n"
        "    assert not app.exception, (page.path, app.exception)\n"
        "    assert 'torchvision' not in sys.modules, page.path\n"
    )
    run = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-1500:]
