"""README.md and README.ko.md stay short and true: their make targets, paths, Python versions, model
figures and code run against the tree they describe."""

import re
import tomllib
from pathlib import Path

import pytest

import models
from models import registry, states

ROOT = Path(__file__).resolve().parents[1]
READMES = [ROOT / "README.md", ROOT / "README.ko.md"]
MAKEFILE = (ROOT / "Makefile").read_text()


def code(readme: Path) -> list[str]:
    """The fenced blocks and inline code spans of a README."""
    text = readme.read_text()
    fenced = re.findall(r"^```\w*\n(.*?)^```", text, re.S | re.M)
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return fenced + re.findall(r"`([^`\n]+)`", prose)


def python_blocks(readme: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", readme.read_text(), re.S | re.M)


@pytest.mark.parametrize("readme", READMES, ids=lambda path: path.name)
def test_a_newcomer_reads_it_to_the_end(readme):
    assert len(readme.read_text().splitlines()) < 300


@pytest.mark.parametrize("readme", READMES, ids=lambda path: path.name)
def test_every_make_target_it_names_exists(readme):
    targets = {
        name for rule in re.findall(r"^([\w.][\w .%-]*?)\s*:(?!=)", MAKEFILE, re.M) for name in rule.split()
    }
    named = {name for span in code(readme) for name in re.findall(r"\bmake ([a-z][\w-]*)(?![<\w-])", span)}
    assert named, "no make target found: the pattern no longer reads the README"
    assert named <= targets, f"not in the Makefile: {sorted(named - targets)}"


@pytest.mark.parametrize("readme", READMES, ids=lambda path: path.name)
def test_every_path_of_its_layout_exists(readme):
    layout = re.search(r"^```\n(app\.py .*?)^```", readme.read_text(), re.S | re.M).group(1)
    paths = [line.split()[0] for line in layout.splitlines() if line.strip() and not line[0].isspace()]
    assert "models/registry.py" in paths
    assert [path for path in paths if not (ROOT / path).exists()] == []


@pytest.mark.parametrize("readme", READMES, ids=lambda path: path.name)
def test_its_python_versions_agree_with_the_makefile_pyproject_and_cloud_check(readme):
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = re.search(r"^PYTHON_MIN := (\S+)$", MAKEFILE, re.M).group(1)
    stated = re.findall(r"Python (3\.\d+) (?:or newer|이상)", readme.read_text())
    assert requires == f">={minimum}" and stated == [minimum]
    cloud = re.search(r'shutil\.which\("python(3\.\d+)"\)', (ROOT / "deploy/cloud.py").read_text()).group(1)
    assert f"Python {cloud}" in readme.read_text()
    assert tuple(map(int, cloud.split("."))) >= tuple(map(int, minimum.split(".")))


@pytest.mark.parametrize("readme", READMES, ids=lambda path: path.name)
def test_its_model_figures_are_those_of_the_model_cards(readme):
    rows = re.findall(r"^\| \[`[\w-]+\.pt`\]\(checkpoints/([\w-]+)\.md\)(.*)$", readme.read_text(), re.M)
    assert sorted(name for name, _ in rows) == sorted(model.name for model in registry.SHIPPED)
    for name, row in rows:
        figures = re.findall(r"\d+\.\d+", row)
        card = (ROOT / "checkpoints" / f"{name}.md").read_text()
        assert figures and all(figure in card for figure in figures), (name, figures)


def test_the_states_example_writes_a_file_the_page_reads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(next(block for block in python_blocks(READMES[0]) if "np.savez" in block), {})
    read = states.read((tmp_path / "states.npz").read_bytes(), "states.npz")
    assert read.labelled and [len(tokens) for tokens in read.tokens] == [4, 3]


def test_the_api_example_runs_on_the_shipped_models(monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace = {}
    exec(next(block for block in python_blocks(READMES[0]) if "models.load" in block), namespace)
    assert isinstance(namespace["predictor"], models.Predictor)
    assert namespace["r"].attention.shape == (len(namespace["r"].tokens), 7, 7)
