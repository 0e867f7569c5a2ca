"""sgdtext report and evaluate --plot: one self-contained HTML file with the figures a person checks, opened in a
real headless Chromium; plots as files; bad runs refused with one message."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

from sgdtext.cli import cli

pytest.importorskip("matplotlib", reason="the report needs the extra 'report' (matplotlib)")

SMS = REPO / "configs" / "sms-spam.yaml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two real runs on the bundled SMS data: logistic SGD with a validation split and early stopping (it has
    probabilities), and squared hinge by dual coordinate descent."""
    root = tmp_path_factory.mktemp("runs")
    first = run("train", SMS, "--out-dir", root / "sgd-logistic", "--set", "data.validation_split=0.2",
                "--set", "training.early_stopping=true", "--set", "training.epochs=8", "--set", "training.patience=3")
    second = run("train", SMS, "--out-dir", root / "dual-hinge", "--set", "model.type=squared_hinge",
                 "--set", "training.optimizer=dual_cd", "--set", "training.epochs=auto")
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr + second.stderr
    report = root / "report.html"
    made = run("report", root / "sgd-logistic", root / "dual-hinge", "-o", report)
    assert made.exit_code == 0, made.stderr
    return root, report


def test_the_report_is_one_file_that_needs_nothing_else(runs):
    root, report = runs
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(http", page, re.I)  # nothing fetched or run
    assert not re.search(r"(?:src|href)=\"(?!#|data:image/png;base64,)", page)  # within the page, or inline
    figures = page.count('<div class="figure"')
    # compared curves; per run: curves, confusion matrix, per-class scores, timings; calibration for logistic
    assert figures == 1 + 4 + 1 + 4
    assert page.count("<svg") == figures
    for heading in ("Runs compared", "Settings that differ between the runs", "Data", "Learning curves",
                    "Confusion matrix (test)", "Per-class scores (test)", "Top features per class",
                    "Calibration (test)", "Timings"):
        assert heading in page


def test_the_reports_figures_agree_with_the_runs_metrics(runs):
    root, report = runs
    page = report.read_text()
    metrics = json.loads((root / "dual-hinge" / "metrics.json").read_text())
    (tn, fp), (fn, tp) = metrics["test"]["confusion_matrix"]
    assert f"<title>true spam, predicted ham: {fn:,} documents ({100 * fn / (fn + tp):.1f}% of {fn + tp:,})</title>" \
        in page
    assert f"<title>true ham, predicted ham: {tn:,} documents" in page
    differing = page[page.index("Settings that differ between the runs"):page.index("Learning curves")]
    assert "model.type" in differing and "squared_hinge" in differing and "training.early_stopping" in differing
    logistic = json.loads((root / "sgd-logistic" / "metrics.json").read_text())
    assert f"best epoch by validation accuracy was {logistic['training']['best_epoch']}" in page
    assert "log-loss " + f"{logistic['test']['reliability']['log_loss']:.4f}" in page


def test_the_reliability_table_matches_scikit_learn(runs):
    from sklearn.metrics import log_loss

    import sgdtext
    from sgdtext.io.documents import ReadOptions, read_documents

    root, _ = runs
    classifier = sgdtext.load(root / "sgd-logistic" / "model.npz")
    docs = list(read_documents(str(REPO / "data" / "sms-spam" / "test.tsv"), ReadOptions()))
    proba = classifier.predict_proba([d.text for d in docs])
    table = json.loads((root / "sgd-logistic" / "metrics.json").read_text())["test"]["reliability"]
    assert table["log_loss"] == pytest.approx(log_loss([d.label for d in docs], proba, labels=classifier.classes_),
                                              rel=1e-9)
    confidence = proba.max(axis=1)
    right = np.array(classifier.classes_)[proba.argmax(axis=1)] == np.array([d.label for d in docs])
    assert sum(b["documents"] for b in table["bins"]) == len(docs)
    for b in table["bins"]:
        members = (confidence >= b["low"]) & ((confidence < b["high"]) | (b["high"] == 1.0))
        assert b["documents"] == members.sum() and b["fraction_right"] == pytest.approx(right[members].mean())


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (.ci/run installs Debian's package chromium when it "
                                             "can; apt-get install chromium)")
def test_the_report_renders_in_a_real_browser(runs, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) drives Chromium")
    _, report = runs
    problems = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda request: problems.append(f"request {request.url}"))
        page.goto(report.as_uri())
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        figures = page.locator("div.figure svg")
        boxes = [figures.nth(i).bounding_box() for i in range(figures.count())]
        texts = page.locator("div.figure svg text").count()
        cells = page.locator("g.hover rect")
        first_cell, image = cells.nth(0).bounding_box(), page.locator("div.figure svg image").first.bounding_box()
        title = page.title()
        browser.close()
    assert problems == []
    assert title.startswith("sgdtext report: sgd-logistic, dual-hinge")
    assert len(boxes) == 10 and all(box["width"] > 300 and box["height"] > 150 for box in boxes)
    assert texts > 100  # axis labels, ticks and titles drawn as text
    # the hover squares lie on the heat map's cells (the top-left one on its top-left corner, a quarter of it)
    assert abs(first_cell["x"] - image["x"]) < 2 and abs(first_cell["y"] - image["y"]) < 2
    assert first_cell["width"] == pytest.approx(image["width"] / 2, rel=0.02)
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    assert pixels.shape[0] > 3000  # the whole page, not one screen
    assert pixels.std() > 0.1 and (pixels.mean(axis=2) < 0.9).mean() > 0.05  # drawn on, not blank


def test_evaluate_plot_writes_the_labelled_confusion_matrix(runs, tmp_path):
    root, _ = runs
    test = REPO / "data" / "sms-spam" / "test.tsv"
    png, svg = tmp_path / "cm.png", tmp_path / "cm.svg"
    assert run("evaluate", root / "dual-hinge", test, "--plot", png).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    result = run("evaluate", root / "dual-hinge", test, "--plot", svg)
    assert result.exit_code == 0 and f"wrote {svg}" in result.stderr
    drawing = svg.read_text()
    assert ">ham<" in drawing and ">spam<" in drawing
    assert "predicted class" in drawing and "true class (documents)" in drawing
    wrong = run("evaluate", root / "dual-hinge", test, "--plot", tmp_path / "cm.pdf")
    assert wrong.exit_code == 2 and "name a .png or .svg file" in wrong.stderr
    assert not (tmp_path / "cm.pdf").exists()


def test_bad_runs_are_refused_with_one_message_and_nothing_written(runs, tmp_path):
    root, _ = runs
    out = tmp_path / "report.html"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("report", empty, "-o", out)
    assert result.exit_code == 1 and "no metrics.json there" in result.stderr
    for content, says in [("[1, 2]", "not a JSON object"), ("{", "not a metrics file sgdtext wrote"),
                          ('{"training": {"epochs": [{"epoch": "1"}]}}', "not a list of epoch records"),
                          ('{"training": {}, "test": {"accuracy": 1, "labels": ["a"], "confusion_matrix": [[1, 2]]}}',
                           "not a square table")]:
        bad = tmp_path / "metrics.json"
        bad.write_text(content)
        result = run("report", root / "dual-hinge", bad, "-o", out)
        assert result.exit_code == 1 and says in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_without_matplotlib_the_report_says_which_extra_to_install(runs, tmp_path):
    root, _ = runs
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from sgdtext.cli import main\n"
            f"sys.argv = ['sgdtext', 'report', {str(root / 'dual-hinge')!r}, '-o', {str(tmp_path / 'r.html')!r}]\n"
            "main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1 and "pip install 'sgdtext[report]'" in result.stderr
    assert not Path(tmp_path / "r.html").exists()
