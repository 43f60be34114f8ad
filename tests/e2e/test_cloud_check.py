"""make cloud-check's short form: the app in a cgroup (where one can be made), two protocol-level
visitors walking and changing every page once (each uploading a model of their own), and the
headless browser walking every page."""

import re
import subprocess
import sys

from tests.conftest import ROOT
from ui.navigation import PAGES


def test_two_visitors_walk_every_page_without_an_error():
    command = [sys.executable, "-m", "deploy.cloud", "--visitors", "2", "--rounds", "1", "--think", "0"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "cloud-check passed: 0 errors" in run.stdout
    opened = {line.split()[0] for line in run.stdout.splitlines() if line.split()[1:2] == ["open"]}
    assert opened == {f"/{page.url_path}" for page in PAGES}, run.stdout  # every page, timed
    uploaded = [line.split() for line in run.stdout.splitlines() if "an own model" in line]
    assert uploaded and uploaded[0][0] == "/sentiment" and uploaded[0][4] == "2", run.stdout  # both ran
    assert "app resident (the server's process tree" in run.stdout  # held against the limit too
    first, whole = map(
        float, re.search(r"its first element ([\d.]+) s, its whole run ([\d.]+) s", run.stdout).groups()
    )
    assert first <= whole, run.stdout  # the page's first element is drawn before the page has finished
