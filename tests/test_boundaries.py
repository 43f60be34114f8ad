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


def test_no_shipped_checkpoint_is_named_outside_the_registry():
    from models.registry import SHIPPED

    names = {m.name for m in SHIPPED} - {m.task for m in SHIPPED}  # a task's name is not a checkpoint's
    files = [p for folder in FORBIDDEN for p in (ROOT / folder).rglob("*.py")]
    files += [ROOT / "app.py", *(ROOT / "bench").rglob("*.py"), *(ROOT / "deploy").rglob("*.py")]
    found = []
    for path in files:
        if path.name == "registry.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and ast.get_docstring(node)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if node.value in names or any(
                    f"{name}.pt" in node.value for name in {m.name for m in SHIPPED}
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert not found, "name shipped checkpoints through models.registry: " + "; ".join(found)


def test_the_docker_image_copies_everything_the_app_reads():
    """The app's own packages (those app.py, pages, ui and models import) and the folders it reads."""
    files = [ROOT / "app.py", *(p for f in ("pages", "ui", "models") for p in (ROOT / f).glob("*.py"))]
    local = {name for path in files for name in imported(path) if (ROOT / name).is_dir()}
    copied = {
        line.split()[1] for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("COPY")
    }
    assert local | {"app.py", "pages", "locales", "assets", "checkpoints", ".streamlit"} <= copied
