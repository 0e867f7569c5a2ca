"""The command line: each command parses, calls one library function, prints.

Exit codes: 0 success; 1 a config, data or model-file mistake (one message, no traceback);
2 a command-line usage mistake; 141 when the reader of stdout went away (``| head``).
Library modules are imported inside the commands so that ``predict`` loads no scipy or scikit-learn.
"""

import errno
import functools
import math
import os
import sys
from pathlib import Path

import click

from sgdtext import __version__
from sgdtext.config.choices import MODELS, OPTIMIZERS, PREDICT_INPUTS, READERS
from sgdtext.errors import SgdtextError


class FiniteRange(click.FloatRange):
    """click.FloatRange that also refuses nan and infinity (nan passes every comparison of a range check)."""

    def convert(self, value, param, ctx):
        value = super().convert(value, param, ctx)
        if not math.isfinite(value):
            self.fail(f"{value} is not a finite number.", param, ctx)
        return value


def user_errors(command):
    """Turn the library's SgdtextError into a click error: one message, exit 1, no traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SgdtextError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)  # nobody reads stdout any more: stop quietly
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(141)
        except OSError as exc:
            if exc.errno not in OUTPUT_ERRNOS:
                raise
            raise click.ClickException(f"cannot write the output: {exc.strerror}; check where stdout goes "
                                       f"(a full disk, a closed stream)") from None
    return wrapper


OUTPUT_ERRNOS = {errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT}  # stdout full, closed, failing


def warn(message):
    """A warning on stderr, through the command's reporter where it installed one (--quiet drops it)."""
    from sgdtext import progress

    reporter = progress.current()
    if reporter is progress.DEFAULT:
        click.echo(f"sgdtext: {message}", err=True)
    else:
        reporter.warning(message)


def say(message, **data):
    """A line of the command's outcome on stderr, through its reporter (--log-format json: a JSON object)."""
    from sgdtext import progress

    reporter = progress.current()
    if reporter is progress.DEFAULT:
        click.echo(message, err=True)
    else:
        reporter.info(message, data)


def reported(command):
    """Add --quiet and --log-format to a long-running command and show its phases: bars on a terminal, timestamped
    lines elsewhere (cron, pipes), JSON lines with --log-format json, nothing but errors with --quiet."""
    @click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
                  help="How progress and warnings are written to stderr: text (bars on a terminal, timestamped lines "
                       "elsewhere) or json (one object a line).")
    @click.option("--quiet", "-q", is_flag=True, help="Print nothing on stderr but errors.")
    @functools.wraps(command)
    def wrapper(*args, log_format, quiet, **kwargs):
        from sgdtext import progress

        if quiet:
            reporter = progress.Silent()
        elif log_format == "json" or not sys.stderr.isatty():
            reporter = progress.LogLines(sys.stderr, log_format)
        else:
            reporter = progress.Terminal(sys.stderr)
        with progress.reporting(reporter):
            return command(*args, **kwargs)
    return wrapper


GROUP_EPILOG = """\b
Exit codes: 0 done; 1 an error in the input (one message on stderr); 2 a usage error; 3 train
--promote-if-better trained a model but kept the live one.
Config keys: sgdtext check-config --explain (or the README's config reference)."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=GROUP_EPILOG)
@click.version_option(__version__, prog_name="sgdtext")
def cli():
    """sgdtext: a text classifier trained by stochastic gradient descent.

    \b
    Train from a YAML config, then classify one document per line:
      sgdtext train configs/sms-spam.yaml
      echo "WIN a FREE prize now" | sgdtext predict runs/sms-spam/model.npz
    """


def choices_help():
    """The train --help epilog: the model types and optimizers, from their registries."""
    width = max(map(len, MODELS)) + 1
    models = "\n".join(f"  {name:<{width}} {MODELS[name].summary}" for name in MODELS)
    by_help = {}
    for name in OPTIMIZERS:
        by_help.setdefault(OPTIMIZERS[name].facts["help"], []).append(name)
    optimizers = [f"  {'auto (the default)':<19} dual_cd for the models it solves, in memory; sgd otherwise"]
    for text, names in by_help.items():
        first, *rest = text.split("\n")
        optimizers.append(f"  {', '.join(names):<19} {first}")
        optimizers += [f"  {'':<19} {line}" for line in rest]
    return ("\b\nModels (model.type):\n" + models + "\n\n\b\nOptimizers (training.optimizer):\n"
            + "\n".join(optimizers))


MODELS_HELP = choices_help()


@cli.command(epilog=MODELS_HELP)
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--out-dir", type=click.Path(file_okay=False),
              help="Write model and metrics here (overrides output.dir).")
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE",
              help="Override a config value (YAML syntax); repeatable. Checked like the file.")
@click.option("--init-model", type=click.Path(dir_okay=False),
              help="Warm start: go on training this model file on the config's data (nightly retraining).")
@click.option("--trace", is_flag=True, help="Print every SGD step to stderr in the lecture's terms.")
@click.option("--json", "as_json", is_flag=True, help="Print metrics.json to stdout when done.")
@click.option("--promote-if-better", is_flag=True,
              help="Make the new model live only if it is not worse than the live one on held-out data (--gate, "
                   "else data.valid, else data.test); exit 3 when the live model is kept.")
@click.option("--gate", type=click.Path(dir_okay=True), default=None, help="Held-out documents for the gate.")
@click.option("--tolerance", type=FiniteRange(0.0, 1.0), default=0.0, show_default=True,
              help="How much less accurate than the live model the new one may be and still be promoted.")
@click.option("--keep", type=click.IntRange(min=1), default=5, show_default=True,
              help="Versions kept in the model folder (the live one always).")
@click.option("--wait", type=FiniteRange(min=0.0), default=0.0, show_default=True,
              help="Seconds to wait for another run on the same model folder to finish.")
@reported
@user_errors
def train(config, out_dir, overrides, init_model, trace, as_json, promote_if_better, gate, tolerance, keep, wait):
    """Train a model as CONFIG says; write model.npz and metrics.json.

    \b
    Example:
      sgdtext train configs/sms-spam.yaml --set training.epochs=10 --out-dir runs/nightly
      sgdtext train nightly.yaml --init-model runs/nightly/model.npz --out-dir runs/nightly
    """
    import json

    from sgdtext.config import load_config
    from sgdtext.training.publish import Publishing
    from sgdtext.training.run import train as run_training

    notes = []
    resolved = load_config(config, overrides, out_dir=out_dir, notes=notes)
    for note in notes:
        warn(f"{config}: {note}")
    trace_emit = (lambda line: click.echo(line, err=True)) if trace else None
    publishing = Publishing(keep=keep, wait=wait, promote_if_better=promote_if_better, gate=gate, tolerance=tolerance)
    result = run_training(resolved, warn=warn, trace=trace_emit, init_model=init_model, publishing=publishing)
    info = result.metrics["training"]
    kind = f" ({result.model.multiclass})" if getattr(result.model, "multilabel", False) else ""
    summary = [f"trained {info['model_type']}{kind} on {info['n_documents']} documents, "
               f"{info['n_features']} features, {info['stopped_epoch']} epoch(s) ({info['stop_reason']}) "
               f"in {info['fit_seconds']:.2f} s"]
    for split in ("train", "valid", "test"):
        m = result.metrics.get(split)
        if m is not None and m.get("multilabel"):
            summary.append(f"{split} micro F1 {m['micro_f1']:.4f}  macro F1 {m['macro_f1']:.4f}  subset accuracy "
                           f"{m['accuracy']:.4f}")
        elif m is not None:
            summary.append(f"{split} accuracy {m['accuracy']:.4f}  macro F1 {m['macro_f1']:.4f}")
    decision = result.decision
    if decision is not None:
        live = "no live model yet" if decision["live"] is None else f"live model {decision['live']:.4f}"
        summary.append(f"gate {decision['gate']} ({decision['documents']} documents): new model "
                       f"{decision['candidate']:.4f}, {live}, tolerance {tolerance:g}: "
                       + ("promoted" if result.promoted else "kept the live model"))
    summary.append(f"wrote {result.model_path} and {result.metrics_path}")
    say("\n".join(summary), model=str(result.model_path), metrics=str(result.metrics_path),
        **{split: {"accuracy": result.metrics[split]["accuracy"], "macro_f1": result.metrics[split]["macro_f1"]}
           for split in ("train", "valid", "test") if split in result.metrics})
    if as_json:
        click.echo(json.dumps(result.metrics, indent=2))
    if not result.promoted:
        sys.exit(3)


@cli.command()
@click.argument("model", type=click.Path())
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--top-k", type=click.IntRange(min=1), default=None,
              help="Print the K most likely labels, best first (default 1; with --proba, all).")
@click.option("--proba", is_flag=True, help="Print each shown label's probability (logistic and softmax models).")
@click.option("--format", "fmt", type=click.Choice(["tsv", "jsonl"]), default="tsv", show_default=True,
              help="Output format.")
@click.option("--n-jobs", type=click.IntRange(min=1), default=None,
              help="Processes that featurise and score ~1 MB chunks in parallel (default: every core; a one-chunk "
                   "input runs in this process). The output is the same.")
@click.option("--threshold", type=FiniteRange(0.0, 1.0), default=None, metavar="P",
              help="Print a label only when its probability reaches P; when none does, an empty field (or "
                   "--unknown). Needs probabilities (logistic, softmax, mlp, or training.calibration).")
@click.option("--unknown", default=None, metavar="LABEL", help="With --threshold: the label printed when no label "
              "reaches it.")
@click.option("--input", "kind", type=click.Choice(list(PREDICT_INPUTS)), default="lines", show_default=True,
              help="What FILES hold: " + "; ".join(f"{k}: {v}" for k, v in PREDICT_INPUTS.items()) + ". Mail is read "
                   "as the model's training read it (data.mail_text).")
@click.option("--text-field", "--text-column", "text_field", default=None, metavar="NAME",
              help="--input jsonl/tsv: the field or column holding the text (default: text).")
@click.option("--id-field", "--id-column", "id_field", default=None, metavar="NAME",
              help="--input jsonl/tsv: the field or column holding an id, printed first on each output line.")
@user_errors
def predict(model, files, top_k, proba, fmt, n_jobs, threshold, unknown, kind, text_field, id_field):
    """Classify each line of FILES (or stdin) with MODEL: one output line per input line, in order; or each
    message, JSON or TSV record (--input), its id first.

    \b
    Example:
      sgdtext predict runs/sms-spam/model.npz < messages.txt > labels.txt
      sgdtext predict runs/sms-spam/model.npz --proba --format jsonl new.txt.gz
      sgdtext predict runs/spamassassin/model.npz --input maildir ~/Maildir
      sgdtext predict runs/sms-spam/model.npz --input jsonl --text-field body --id-field id < new.jsonl
    """
    from sgdtext.io.documents import ReadStats, open_binary
    from sgdtext.io.versions import live_model
    from sgdtext.models import load_model
    from sgdtext.predict import Shown, check_plain_text_input, predict_lines, predict_records

    linear, featurizer, meta = load_model(live_model(model), for_prediction=True)
    if kind == "lines":
        if text_field is not None or id_field is not None:
            raise click.UsageError("--text-field/--id-field: name fields of --input jsonl or tsv records; give "
                                   "--input jsonl or --input tsv")
        check_plain_text_input(featurizer, model)
        folders = [name for name in files if os.path.isdir(name)]
        if folders:
            raise click.UsageError(f"{folders[0]} is a folder; predict reads lines of files, or mail with --input "
                                   "maildir (a maildir or a folder of message files)")
    if (proba or threshold is not None) and not linear.has_proba:
        flag = "--proba" if proba else "--threshold"
        raise click.UsageError(f"{flag}: a {linear.model_type} model gives no probabilities (its loss is not a "
                               f"log-likelihood); train model.type: logistic or softmax, or set training.calibration: "
                               f"sigmoid, or drop {flag}")
    multilabel = getattr(linear, "multilabel", False)
    if unknown is not None and threshold is None and not multilabel:
        raise click.UsageError("--unknown: names the label printed when no label reaches --threshold; give "
                               "--threshold P too")
    if top_k is not None and top_k > 1 and not multilabel:
        warn(f"--top-k {top_k}: a single-label model ranks its classes (one of them is the answer), so each line "
             f"holds the {top_k} most likely, best first; a multi-label model (model.multilabel) predicts label sets")
    if top_k is None and not multilabel:  # a multi-label model prints its whole label set unless capped
        top_k = len(linear.classes) if proba else 1
    separator = meta["config"].get("data", {}).get("label_separator") or ","
    show = Shown(top_k, proba, fmt, threshold, unknown, separator)
    stats = ReadStats()
    out = sys.stdout
    if kind != "lines":
        from sgdtext.io.inputs import input_options, raw_records

        names = list(files or ["-"])
        options = input_options(kind, meta["config"], text_field, id_field, names)

        def note(where, what):  # one warning per problem, with its file or line
            warn(f"{where}: {what}")

        for chunk in predict_records(linear, featurizer, raw_records(options, names, note), options, show,
                                     n_jobs=n_jobs, warn=note):
            out.write(chunk)
        out.flush()
        return
    streams = [("<stdin>", sys.stdin.buffer) if name == "-" else (name, open_binary(name)) for name in files or ["-"]]
    for chunk in predict_lines(linear, featurizer, streams, show, stats=stats, n_jobs=n_jobs):
        out.write(chunk)
    out.flush()
    for where, what in stats.problems:
        warn(f"{where}: {what}")
    if stats.n_invalid_utf8:
        warn(f"{stats.n_invalid_utf8} input line(s) are not valid UTF-8 (first at {stats.first_invalid_utf8}); "
             f"invalid bytes were replaced by U+FFFD")


@cli.command()
@click.argument("model", type=click.Path())
@click.argument("data", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["auto", *READERS]), default="auto", show_default=True,
              help="Reader of DATA (auto: from its name and first line, whatever the model was trained on).")
@click.option("--label-field", default=None, help="Label column or field (default: the training config's).")
@click.option("--text-field", default=None, help="Text column or field (default: the training config's).")
@click.option("--header", type=click.Choice(["auto", "yes", "no"]), default="auto", show_default=True,
              help="TSV: is the first line a header.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.png|FILE.svg",
              help="Also draw the labelled confusion matrix into FILE (needs the extra 'report').")
@reported
@user_errors
def evaluate(model, data, fmt, label_field, text_field, header, as_json, plot):
    """Print accuracy, macro F1, per-class scores and the confusion matrix of MODEL on labelled DATA.

    \b
    Example:
      sgdtext evaluate runs/sms-spam/model.npz data/sms-spam/test.tsv
    """
    import json

    from sgdtext.io.versions import live_model
    from sgdtext.models import load_model
    from sgdtext.training.data import read_all, read_options
    from sgdtext.training.evaluation import evaluate_split
    from sgdtext.training.metrics import format_metrics

    if plot is not None:
        from sgdtext.report import plots

        plots.matplotlib_figure()  # the missing extra is said before the work, not after it
        if not plot.lower().endswith((".png", ".svg")):
            raise click.BadParameter(f"{plot}: name a .png or .svg file", param_hint="--plot")
    linear, featurizer, meta = load_model(live_model(model))
    data_config = {**meta["config"]["data"], "format": fmt, "header": header}
    data_config["label_field"] = label_field or data_config["label_field"]
    data_config["text_field"] = text_field or data_config["text_field"]
    docs = read_all(data, read_options(data_config, multilabel=getattr(linear, "multilabel", False)), warn)
    metrics = evaluate_split(linear, featurizer.transform(docs), docs, str(data))
    click.echo(json.dumps(metrics, indent=2) if as_json else format_metrics(str(data), metrics))
    if plot is not None:
        if "confusion_matrix" not in metrics:
            raise SgdtextError("--plot draws the confusion matrix of a single-label model; a multi-label model has "
                               "none (see its per-label scores)")
        plots.save(plots.confusion_matrix(metrics["labels"], metrics["confusion_matrix"],
                                          title=f"Confusion matrix, {Path(data).name}"), plot)
        say(f"wrote {plot}", plot=plot)


@cli.command()
@click.argument("model", type=click.Path())
@click.option("-o", "--out", type=click.Path(dir_okay=False), required=True, help="The smaller model file to write.")
@click.option("--cutoff", type=click.IntRange(min=1), default=None, metavar="N",
              help="Keep the N text features whose weights weigh most (L2 norm of their row); default: all.")
@click.option("--bits", type=click.Choice(["8", "32"]), default="8", show_default=True,
              help="8: int8 weights with a scale per column; 32: float32.")
@user_errors
def quantize(model, out, cutoff, bits):
    """Write a smaller copy of a linear MODEL: the most useful features, weights in 8 bits (as fastText's quantize).

    \b
    Example:
      sgdtext quantize runs/20newsgroups/model.npz -o small.npz --cutoff 100000
      sgdtext evaluate small.npz ../shared/data/20newsgroups-bydate/test.tsv
    """
    from sgdtext.io.versions import live_model
    from sgdtext.quantization import quantize as make_smaller

    source = live_model(model)
    if Path(out).resolve() == Path(source).resolve():
        raise click.BadParameter(f"{out} is the model itself; write the smaller model to another file",
                                 param_hint="--out")
    summary = make_smaller(source, out, cutoff=cutoff, bits=int(bits))
    click.echo(f"wrote {out}: {summary['rows_kept']:,} of {summary['rows']:,} features, "
               f"{'int8' if summary['bits'] == 8 else 'float32'} weights; {Path(out).stat().st_size / 1e6:.1f} MB "
               f"from {Path(source).stat().st_size / 1e6:.1f} MB", err=True)


@cli.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--out", type=click.Path(dir_okay=False), default="report.html", show_default=True,
              help="The HTML file to write.")
@click.option("--title", default=None, help="The report's title (default: the runs' names).")
@user_errors
def report(runs, out, title):
    """Write one self-contained HTML report of RUNS (model folders, version folders or metrics.json files).

    \b
    Learning curves, the confusion matrix, per-class scores, top features, calibration and timings of each run;
    with several runs, their metrics, differing settings and curves side by side. Needs the extra 'report'
    (matplotlib). The file opens offline in any browser.
    \b
    Example:
      sgdtext report runs/sms-spam runs/sms-spam-handmade -o report.html
    """
    from sgdtext.io.files import write_text_atomic
    from sgdtext.report import plots
    from sgdtext.report.page import report_html
    from sgdtext.report.runs import load_run

    plots.matplotlib_figure()
    loaded = [load_run(path) for path in runs]
    write_text_atomic(out, report_html(loaded, title))
    click.echo(f"wrote {out} ({len(loaded)} run{'s' if len(loaded) > 1 else ''})", err=True)


@cli.command()
@click.argument("model", type=click.Path())
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Features shown per class and sign.")
@click.option("--json", "as_json", is_flag=True,
              help="Print every weight as {classes, weights: {class: {feature: w}}, intercept}.")
@user_errors
def inspect(model, top, as_json):
    """Show which features drive each class of MODEL: the top positive and negative weights.

    \b
    Example:
      sgdtext inspect runs/sms-spam/model.npz --top 5
    """
    import json

    from sgdtext.inspection import format_top, weights_json
    from sgdtext.io.versions import live_model
    from sgdtext.models import load_model

    linear, featurizer, meta = load_model(live_model(model))
    if as_json:
        click.echo(json.dumps(weights_json(linear, featurizer), ensure_ascii=False))
    else:
        click.echo(format_top(linear, featurizer, top, meta))


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--wait", type=FiniteRange(min=0.0), default=0.0, show_default=True,
              help="Seconds to wait for a run on the folder to finish.")
@user_errors
def rollback(folder, wait):
    """Make the version before the live one live again in the model FOLDER (train's --out-dir).

    \b
    Example:
      sgdtext rollback runs/nightly
    """
    from sgdtext.io.versions import ModelFolder

    with ModelFolder(folder).lock(wait) as models:
        version = models.rollback(models.links())
    warn(f"{folder}: version {version.name} is live again")


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--budget", type=FiniteRange(min=1.0), required=True, metavar="SECONDS",
              help="Time for the search; a trial taking over a tenth of it (or twice the config as it is) is "
                   "stopped as too slow, and trials still running at the end are dropped.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the tuned config here (default: stdout, and the table of trials to stderr).")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True,
              help="Cross-validation folds of the training data (data.valid, when given, is used instead).")
@click.option("--metric", type=click.Choice(["accuracy", "macro_f1"]), default="accuracy", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the folds and of the sampler.")
@click.option("--trials", "max_trials", type=click.IntRange(min=1), default=None,
              help="Stop after this many trials (the same trials, and result, for a seed, when the budget "
                   "stops none).")
@click.option("--grid", "grids", multiple=True, type=click.Path(dir_okay=False), metavar="GRID.yaml",
              help="Search this grid instead of the built-in space: every point once (several files: the product "
                   "of their axes). See the README, \"Better settings for your data\".")
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help="Override a value, as in train.")
@reported
@user_errors
def tune(config, budget, out, folds, metric, seed, max_trials, grids, overrides):
    """Search CONFIG's settings (features, model, optimizer, penalty) by cross-validation on its training data.

    Never reads the test data. Writes the best config, ready for `sgdtext train`.

    \b
    Example:
      sgdtext tune my.yaml --budget 60 --out my-tuned.yaml
      sgdtext train my-tuned.yaml
      sgdtext tune my.yaml --budget 600 --grid benchmarks/grids/features.yaml --grid benchmarks/grids/dual.yaml
    """
    from sgdtext.config import load_config
    from sgdtext.config.loading import raw_config
    from sgdtext.training.tune import trials_table, tuned_config
    from sgdtext.training.tune import tune as run_tune

    resolved = load_config(config, overrides)
    grid = None
    if grids:
        from sgdtext.training.grid import read_grid

        grid = read_grid(grids, raw_config(config, overrides))
    result = run_tune(raw_config(config, overrides), resolved, budget=budget, n_folds=folds, metric=metric, seed=seed,
                      max_trials=max_trials, grid=grid, warn=warn)
    out_folder = Path(out).resolve().parent if out else Path.cwd()
    text = tuned_config(raw_config(config, overrides), resolved, result, out_folder)
    table = trials_table(result)
    if out:
        from sgdtext.io.files import write_text_atomic

        write_text_atomic(out, text)
        click.echo(table)
        warn(f"wrote {out}")
    else:
        click.echo(table, err=True)
        click.echo(text, nl=False)


@cli.command()
@click.option("--data", "train", type=click.Path(dir_okay=True), default=None,
              help="The training data (summarised in a comment when it can be read).")
@click.option("--test", type=click.Path(dir_okay=True), default=None, help="The test data.")
@user_errors
def init(train, test):
    """Print a short, commented starter config: the data and the keys worth a look, at their defaults.

    \b
    Example:
      sgdtext init --data data/sms-spam/train.tsv --test data/sms-spam/test.tsv > spam.yaml
      sgdtext train spam.yaml
    """
    from sgdtext.training.starter import starter_config

    click.echo(starter_config(train, test), nl=False)


@cli.command("explain")
@click.argument("model", type=click.Path())
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
              help="Features shown per document, the largest contributions first (the rest summed).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
@user_errors
def explain_command(model, files, top, as_json):
    """Explain MODEL's prediction for each line of FILES (or stdin): the features that moved it, each with its value,
    weight and contribution, which with the intercept sum to the score predict used.

    \b
    Example:
      echo "WINNER! free prize" | sgdtext explain runs/sms-spam/model.npz --top 5
    """
    import json

    from sgdtext.explanation import explain, format_explanation
    from sgdtext.io.documents import ReadStats, open_binary
    from sgdtext.io.versions import live_model
    from sgdtext.models import load_model
    from sgdtext.predict import check_plain_text_input, decode_chunk, raw_chunks

    linear, featurizer, _ = load_model(live_model(model))
    check_plain_text_input(featurizer, model)
    streams = [("<stdin>", sys.stdin.buffer) if name == "-" else (name, open_binary(name)) for name in files or ["-"]]
    positive = linear.classes[1] if len(linear.weight_columns()) == 1 else None
    for name, first, lines in raw_chunks(streams, lambda where, what: warn(f"{where}: {what}")):
        for item in explain(linear, featurizer, decode_chunk(name, first, lines, ReadStats()), top):
            click.echo(json.dumps(item, ensure_ascii=False) if as_json else format_explanation(item, positive))


@cli.command("check-data")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help="Override a value, as in train.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@user_errors
def check_data(config, overrides, as_json):
    """Report on CONFIG's data before training: labels, empty, duplicate and conflicting documents, overlap of
    train and test, labels only in test, very short documents, a header read as data.

    \b
    Example:
      sgdtext check-data configs/sms-spam.yaml
    """
    import json

    from sgdtext.config import load_config
    from sgdtext.training.checkdata import data_report, format_report

    report = data_report(load_config(config, overrides), warn)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@cli.command("check-config")
@click.argument("config", type=click.Path(dir_okay=False), required=False)
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help="Override a value, as in train.")
@click.option("--explain", is_flag=True, help="Print the config reference (every key, its default and meaning, and "
              "every named choice) instead; no CONFIG needed.")
@user_errors
def check_config(config, overrides, explain):
    """Validate CONFIG and print it resolved, every default filled in (YAML); check that the files it names exist.

    \b
    Example:
      sgdtext check-config configs/sms-spam.yaml --set training.l2=1e-4
      sgdtext check-config --explain | less
    """
    import yaml

    from sgdtext.config import load_config
    from sgdtext.config.loading import path_problems
    from sgdtext.errors import ConfigError

    if explain:
        from sgdtext.config.reference import choices_markdown, reference_markdown

        click.echo(reference_markdown() + "\n" + choices_markdown())
        return
    if config is None:
        raise click.UsageError("give CONFIG (or --explain for the reference of every key)")
    notes = []
    resolved = load_config(config, overrides, notes=notes)
    missing = path_problems(resolved)
    if missing:
        raise ConfigError(missing, config)
    click.echo(yaml.safe_dump(resolved, sort_keys=False), nl=False)
    for note in notes:
        warn(f"{config}: {note}")
    warn(f"{config}: ok")


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("expression")
@click.argument("assignments", nargs=-1, metavar="NAME=VALUE...")
@click.option("--json", "as_json", is_flag=True, help="Print {value, gradients, nodes} as JSON.")
@user_errors
def grad(expression, assignments, as_json):
    """Differentiate EXPRESSION by backpropagation over its computational graph.

    Prints every node: its operation, forward value, and the gradient of the output with respect to it.
    Allowed: numbers, variables, + - * / **, unary minus, exp, log, tanh, sigmoid, relu, max(a, b).

    \b
    Example: the lecture's two graphs
      sgdtext grad "(x + y) * z" x=-2 y=5 z=-4
      sgdtext grad "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))" w0=2 x0=-1 w1=-3 x1=-2 w2=-3
    """
    import json

    from sgdtext.nn.expression import format_table, gradients, parse_assignments

    result = gradients(expression, parse_assignments(assignments))
    click.echo(json.dumps(result) if as_json else format_table(result))


SHORT_HELP = {  # the one-line summaries of `sgdtext --help` (a docstring's first line is cut at the screen's width)
    "train": "Train as CONFIG says; publish model.npz and metrics.json.",
    "predict": "Classify each line (or message, record) of FILES.",
    "evaluate": "Accuracy, F1 and confusion matrix on labelled data.",
    "inspect": "The features that drive each class.",
    "explain": "Why each line got its label: features and weights.",
    "tune": "Search the settings by cross-validation in a budget.",
    "rollback": "Make the previous version of a model folder live.",
    "init": "Print a short starter config for your data.",
    "check-data": "Report on the config's data before training.",
    "check-config": "Validate a config; --explain prints every key.",
    "grad": "Backpropagation over an expression's graph.",
    "report": "One HTML report of runs: curves, confusion, features.",
    "quantize": "A smaller model: the most useful features, 8-bit weights.",
}
for _name, _text in SHORT_HELP.items():
    cli.commands[_name].short_help = _text


def main():
    cli(prog_name="sgdtext")
