"""The report: one self-contained HTML file (styles and figures inline, no script, nothing fetched) of one run or
of several side by side."""

import datetime
from html import escape

from sgdtext import __version__
from sgdtext.config.schema import DEFAULTS
from sgdtext.report import plots

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 2em auto;
       max-width: 1150px; padding: 0 1.5em; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #0072B2; padding-bottom: 0.2em; margin-top: 2.2em; }
h3 { font-size: 1.08em; margin-top: 1.6em; }
.meta { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.figure { margin: 0.8em 0 1.4em; overflow-x: auto; }
.figure svg { max-width: 100%; height: auto; }
.features td { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.88em; }
.note { color: #555; font-style: italic; }
nav a { margin-right: 1em; }
"""


def report_html(runs, title=None):
    """The report of ``runs`` (report.runs.Run) as an HTML document string."""
    title = title or ("sgdtext report: " + ", ".join(run.name for run in runs))
    made = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{escape(title)}</title>"
             f"\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>{STYLE}</style>\n"
             f"</head>\n<body>\n<h1>{escape(title)}</h1>\n<p class=\"meta\">Made {made} by sgdtext {__version__}."
             "</p>"]
    if len(runs) > 1:
        parts.append("<nav>" + "".join(f'<a href="#run-{i}">{escape(run.name)}</a>' for i, run in enumerate(runs))
                     + "</nav>")
        parts.append(comparison(runs))
    for i, run in enumerate(runs):
        parts.append(run_section(run, i, several=len(runs) > 1))
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def comparison(runs):
    """Several runs side by side: their metrics, their settings that differ, their learning curves overlaid."""
    rows = []
    for run in runs:
        cells = [escape(run.name)]
        for split in ("train", "valid", "test"):
            figures = run.splits().get(split)
            cells += [number_cell(figures.get("accuracy") if figures else None),
                      number_cell(figures.get("macro_f1") if figures else None)]
        cells += [number_cell(run.training.get("fit_seconds"), "{:.2f}"),
                  number_cell(run.training.get("total_seconds"), "{:.2f}")]
        rows.append(cells)
    header = ["run"] + [f"{split} {what}" for split in ("train", "valid", "test") for what in ("accuracy", "macro F1")]
    header += ["fit seconds", "total seconds"]
    out = ["<h2>Runs compared</h2>", table(header, rows, raw=True)]
    settings = [run.settings() for run in runs]
    differing = sorted({key for s in settings for key in s if len({repr(t.get(key)) for t in settings}) > 1})
    if differing:
        out.append("<h3>Settings that differ between the runs</h3>")
        out.append(table(["setting", *(run.name for run in runs)],
                         [[key, *(shown(s.get(key, "(not set)")) for s in settings)] for key in differing]))
    curves = [(run.name, run.training) for run in runs if run.training.get("epochs")]
    if curves:
        out.append("<h3>Learning curves</h3>")
        out.append(figure(plots.learning_curves(curves), "learning curves of every run, overlaid"))
    return "\n".join(out)


def run_section(run, index, several):
    training = run.training
    out = [f'<h2 id="run-{index}">{escape(run.name)}</h2>' if several else "",
           f"<p class=\"meta\">{escape(str(run.path))} · {escape(str(training.get('model_type')))} · "
           f"{len(training.get('classes') or [])} classes · {training.get('n_features', 0):,} features · "
           f"trained {escape(str(run.metrics.get('lineage', {}).get('time', '?')))}</p>"]
    splits = run.splits()
    out.append("<h3>Results</h3>")
    multilabel = any(m.get("multilabel") for m in splits.values())
    rows = [[name, number_cell(m.get("accuracy")), number_cell(m.get("macro_f1")),
             *([number_cell(m.get("micro_f1"))] if multilabel else []), number_cell(m.get("n_documents"), "{:,}")]
            for name, m in splits.items()]
    header = ["split", "subset accuracy" if multilabel else "accuracy", "macro F1", *(["micro F1"] if multilabel
                                                                                     else []), "documents"]
    out.append(table(header, rows, raw=True))
    out.append(data_summary(splits))
    changed = run.changed_settings()
    out.append("<h3>Settings that differ from the defaults</h3>")
    out.append(table(["setting", "value", "default"], [[key, shown(value), shown(default_of(key))]
                                                       for key, value in sorted(changed.items())])
               if changed else '<p class="note">Every setting at its default.</p>')
    out.append("<h3>Learning curves</h3>")
    if training.get("epochs"):
        out.append(figure(plots.learning_curves([(run.name, training)]), "training objective and accuracy per epoch"))
        reason = escape(str(training.get("stop_reason")))
        out.append(f"<p>Stopped after epoch {training.get('stopped_epoch')} ({reason})"
                   + (f"; the best epoch by validation accuracy was {training['best_epoch']}, whose weights were kept"
                      if training.get("best_epoch") else "") + ".</p>")
    else:
        out.append('<p class="note">This run kept no per-epoch record (one-vs-rest labels fitted in parallel).</p>')
    evaluated = splits.get("test") or splits.get("valid") or splits.get("train")
    split_name = next((name for name in ("test", "valid", "train") if name in splits), None)
    if evaluated is not None and evaluated.get("confusion_matrix"):
        out.append(f"<h3>Confusion matrix ({split_name})</h3>")
        out.append('<p class="note">Each row is a true class, normalised to fractions of it; hover over a cell for '
                   "its count.</p>")
        out.append(figure(plots.confusion_matrix(evaluated["labels"], evaluated["confusion_matrix"],
                                                 title=f"Confusion matrix, {split_name} split"),
                          f"confusion matrix of the {split_name} split"))
    if evaluated is not None and evaluated.get("per_class"):
        out.append(f"<h3>Per-class scores ({split_name})</h3>")
        out.append(figure(plots.per_class_scores(evaluated["per_class"],
                                                 title=f"Per-class precision, recall and F1, {split_name} split"),
                          f"per-class precision, recall and F1 of the {split_name} split"))
    if run.top_features:
        out.append(top_features_table(run))
    elif run.model_summary:
        out.append(f"<h3>Model</h3><p>{escape(run.model_summary)}</p>")
    if evaluated is not None and evaluated.get("reliability", {}).get("bins"):
        out.append(f"<h3>Calibration ({split_name})</h3>")
        out.append(figure(plots.reliability(evaluated["reliability"],
                                            title=f"Reliability, {split_name} split"),
                          f"reliability diagram of the {split_name} split"))
    out.append(timings(training))
    return "\n".join(out)


def data_summary(splits):
    """Documents per class in each split (the support of the per-class scores)."""
    labels = []
    for m in splits.values():
        labels += [label for label in m.get("per_class", {}) if label not in labels]
    if not labels:
        return ""
    rows = [[label, *(number_cell(m.get("per_class", {}).get(label, {}).get("support", 0), "{:,}")
                      for m in splits.values())] for label in labels]
    rows.append(["<b>all</b>", *(number_cell(m.get("n_documents"), "{:,}") for m in splits.values())])
    return "<h3>Data</h3>\n" + table(["class", *(f"{name} documents" for name in splits)],
                                     [[escape(r[0]) if not r[0].startswith("<b>") else r[0], *r[1:]] for r in rows],
                                     raw=True)


def top_features_table(run):
    one_vector = len(run.top_features) == 1
    rows = []
    for label, intercept, positive, negative in run.top_features:
        name = escape(label) + (" (the positive class; negative weights point to the other)" if one_vector else "")
        rows.append([name, number_cell(intercept, "{:+.3f}"),
                     escape(", ".join(f"{n} {w:+.3f}" for n, w in positive)) or "(none)",
                     escape(", ".join(f"{n} {w:+.3f}" for n, w in negative)) or "(none)"])
    return ('<h3>Top features per class</h3>\n<div class="features">'
            + table(["class", "intercept", "most positive weights", "most negative weights"], rows, raw=True)
            + f"</div>\n<p class=\"meta\">{escape(run.model_summary or '')}</p>")


def timings(training):
    phases = training.get("phases") or []
    line = (f"<p>Fit {training.get('fit_seconds', 0):.2f} s of {training.get('total_seconds', 0):.2f} s in all; "
            f"{training.get('documents_per_second', 0):,.0f} documents a second while fitting.</p>")
    if not phases:
        return "<h3>Timings</h3>\n" + line
    return "<h3>Timings</h3>\n" + line + figure(plots.timings(phases), "seconds per phase of the run")


def figure(fig, description):
    return f'<div class="figure" role="img" aria-label="{escape(description)}">{plots.svg_text(fig)}</div>'


def table(header, rows, raw=False):
    """An HTML table; cells escaped unless ``raw`` (then the caller escaped them)."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell if raw and str(cell).startswith("<td") else
                                    f"<td>{cell if raw else escape(str(cell))}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def number_cell(value, fmt="{:.4f}"):
    if value is None:
        return '<td class="num">–</td>'
    return f'<td class="num">{fmt.format(value)}</td>'


def default_of(key):
    section, name = key.split(".", 1)
    return DEFAULTS[section][name]


def shown(value):
    return "(none)" if value is None else str(value)
