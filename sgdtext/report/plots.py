"""The report's figures, drawn with matplotlib's object interface (no pyplot, no global state, no display).

Colours: the Okabe-Ito palette for lines and bars and the cividis colour map for the confusion matrix, both
distinguishable with the common colour-vision deficiencies; text is kept as text in SVG (legible, searchable).
Each function returns a Figure; ``svg_text`` and ``save`` turn it into an inline SVG or a file.
"""

import io
from html import escape

from sgdtext.errors import SgdtextError
from sgdtext.io.files import atomic_writer

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
MAX_LABEL = 24  # characters of a class name shown on an axis (the whole name is in the hover text)


def matplotlib_figure():
    """matplotlib's Figure class, or one clear message when the optional extra is missing."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise SgdtextError("plots need matplotlib, the optional extra 'report': pip install 'sgdtext[report]' "
                           "(or pip install matplotlib)") from None
    matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 10, "axes.titlesize": 11,
                                "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "sgdtext"})
    return Figure


def short(label, width=MAX_LABEL):
    return label if len(label) <= width else label[:width - 1] + "…"


def learning_curves(runs):
    """Objective and accuracy per epoch of each run (``runs``: [(name, metrics["training"])]); the validation
    accuracy dashed, the best epoch (validation rule) a star, the epoch training stopped at a dotted line."""
    Figure = matplotlib_figure()
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    for i, (name, training) in enumerate(runs):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        epochs = training.get("epochs") or []
        if not epochs:
            continue
        x = [record["epoch"] for record in epochs]
        label = name if len(runs) > 1 else None
        loss_ax.plot(x, [record["loss"] for record in epochs], color=colour, marker="o", markersize=3, label=label)
        acc_ax.plot(x, [record["accuracy"] for record in epochs], color=colour, marker="o", markersize=3,
                    label=f"{name + ': ' if label else ''}training")
        if any("valid_accuracy" in record for record in epochs):
            acc_ax.plot(x, [record.get("valid_accuracy") for record in epochs], color=colour, linestyle="--",
                        marker="s", markersize=3, label=f"{name + ': ' if label else ''}validation")
        best = training.get("best_epoch")
        if best is not None:
            record = epochs[best - 1]
            acc_ax.plot([best], [record["valid_accuracy"]], marker="*", markersize=13, color=colour,
                        markeredgecolor="black", linestyle="none", label=f"best epoch ({best})")
        for ax in (loss_ax, acc_ax):
            ax.axvline(training.get("stopped_epoch", x[-1]), color=colour, linestyle=":", linewidth=1)
    loss_ax.set(title="Training objective (mean loss + penalty)", xlabel="epoch", ylabel="objective")
    acc_ax.set(title="Accuracy", xlabel="epoch", ylabel="accuracy (fraction right)")
    from matplotlib.ticker import MaxNLocator

    for ax in (loss_ax, acc_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="best")
    stops = "; ".join(f"{name}: stopped at epoch {t.get('stopped_epoch')} ({t.get('stop_reason')})"
                      for name, t in runs)
    fig.suptitle(stops, fontsize=9)
    return fig


def confusion_matrix(labels, counts, title="Confusion matrix"):
    """The confusion matrix as a heat map of each true class's row normalised to fractions; the counts written in
    the cells up to 15 classes, and in every cell's hover text (SVG title, see ``svg_text``)."""
    import numpy as np

    Figure = matplotlib_figure()
    C = np.asarray(counts, dtype=float)
    k = len(labels)
    totals = C.sum(axis=1, keepdims=True)
    share = np.divide(C, totals, out=np.zeros_like(C), where=totals > 0)
    side = min(max(5.0, 0.26 * k + 3.0), 30.0)
    fig = Figure(figsize=(side + 1.2, side), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(share, cmap="cividis", vmin=0.0, vmax=1.0, interpolation="nearest")
    colourbar = fig.colorbar(image, ax=ax, shrink=0.8)
    colourbar.set_label("fraction of the true class")
    names = [short(label) for label in labels]
    font = 9 if k <= 20 else 8 if k <= 60 else 7
    ax.set_xticks(range(k), names, rotation=90, fontsize=font)
    ax.set_yticks(range(k), [f"{name} ({int(n):,})" for name, n in zip(names, totals[:, 0])], fontsize=font)
    ax.set(xlabel="predicted class", ylabel="true class (documents)", title=title)
    ax.spines[:].set_visible(True)
    for i in range(k):
        for j in range(k):
            if k <= 15 and C[i, j]:
                ax.text(j, i, f"{int(C[i, j]):,}", ha="center", va="center", fontsize=8,
                        color="black" if share[i, j] > 0.55 else "white")
    fig.hover_cells = (ax, [[f"true {labels[i]}, predicted {labels[j]}: {int(C[i, j]):,} documents "
                             f"({100 * share[i, j]:.1f}% of {int(totals[i, 0]):,})" for j in range(k)]
                            for i in range(k)])
    return fig


def per_class_scores(per_class, title="Per-class precision, recall and F1"):
    """Horizontal bars of each class's precision, recall and F1 (support in the class's axis label)."""
    import numpy as np

    Figure = matplotlib_figure()
    labels = list(per_class)
    k = len(labels)
    fig = Figure(figsize=(9, min(max(2.5, 0.38 * k + 1.4), 40)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(k)
    height = 0.27
    for n, (key, colour) in enumerate(zip(("precision", "recall", "f1"), OKABE_ITO)):
        ax.barh(y + (n - 1) * height, [per_class[label][key] for label in labels], height=height, color=colour,
                label=key if key != "f1" else "F1")
    ax.set_yticks(y, [f"{short(label)} ({per_class[label]['support']:,})" for label in labels],
                  fontsize=9 if k <= 30 else 7)
    ax.set_ylim(k - 0.5, -0.5)
    ax.set(xlim=(0, 1), xlabel="score (0 to 1)", ylabel="class (documents)")
    ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title)
    fig.legend(loc="outside lower center", fontsize=8, ncols=3)
    return fig


def reliability(table, title="Reliability of the probabilities"):
    """The reliability diagram: the fraction right against the mean probability of the top label, per bin (marker
    area by documents), with the diagonal of perfect calibration; below, the documents per bin."""
    Figure = matplotlib_figure()
    fig = Figure(figsize=(5.5, 5.8), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    bins = table["bins"]
    most = max(b["documents"] for b in bins)
    top.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfectly calibrated")
    top.plot([b["mean_probability"] for b in bins], [b["fraction_right"] for b in bins], color=OKABE_ITO[0],
             linewidth=1.5)
    top.scatter([b["mean_probability"] for b in bins], [b["fraction_right"] for b in bins],
                s=[20 + 180 * b["documents"] / most for b in bins], color=OKABE_ITO[0], zorder=3, label="model")
    log_loss = table.get("log_loss")
    top.set(ylim=(0, 1.02), ylabel="fraction right",
            title=title + (f" (log-loss {log_loss:.4f})" if log_loss is not None else ""))
    top.grid(alpha=0.3)
    top.legend(loc="upper left", fontsize=8)
    bottom.bar([(b["low"] + b["high"]) / 2 for b in bins], [b["documents"] for b in bins],
               width=[0.9 * (b["high"] - b["low"]) for b in bins], color=OKABE_ITO[1])
    bottom.set(xlim=(0, 1), xlabel="probability of the predicted label", ylabel="documents")
    return fig


def timings(phases, title="Where the time went"):
    """Horizontal bars of seconds per phase (``phases``: metrics["training"]["phases"], same phases summed)."""
    Figure = matplotlib_figure()
    totals = {}
    for phase in phases:
        detail = str(phase.get("detail") or "").rsplit("/", 1)[-1]
        name = f"{phase['phase']} {detail}".strip()
        totals[name] = totals.get(name, 0.0) + phase["seconds"]
    names = list(totals)
    fig = Figure(figsize=(8, max(2.0, 0.35 * len(names) + 1.0)), layout="constrained")
    ax = fig.subplots()
    ax.barh(range(len(names)), [totals[n] for n in names], color=OKABE_ITO[0])
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    for i, name in enumerate(names):
        ax.text(totals[name], i, f" {totals[name]:.2f} s", va="center", fontsize=8)
    ax.set(xlabel="seconds", title=title)
    ax.margins(x=0.15)
    ax.grid(axis="x", alpha=0.3)
    return fig


def svg_text(fig):
    """The figure as an SVG element for inlining in HTML (no XML prolog), with hover texts as SVG titles."""
    out = io.StringIO()
    fig.savefig(out, format="svg")
    text = out.getvalue()
    text = text[text.index("<svg"):]
    if hasattr(fig, "hover_cells"):
        end = text.rindex("</svg>")
        text = text[:end] + hover_layer(fig, *fig.hover_cells) + text[end:]
    return text


def hover_layer(fig, ax, titles):
    """Transparent SVG squares over the cells of an image drawn on ``ax`` (cell (i, j) centred at x = j, y = i),
    each with its title (shown on hover). SVG units are points, y downwards; matplotlib's display units are pixels
    at fig.dpi, y upwards."""
    to_points = 72.0 / fig.dpi
    height = fig.get_figheight() * 72.0
    squares = []
    for i, row in enumerate(titles):
        for j, title in enumerate(row):
            (x0, y0), (x1, y1) = ax.transData.transform([(j - 0.5, i + 0.5), (j + 0.5, i - 0.5)]) * to_points
            squares.append(f'<rect x="{x0:.2f}" y="{height - y1:.2f}" width="{x1 - x0:.2f}" height="{y1 - y0:.2f}">'
                           f"<title>{escape(title)}</title></rect>")
    return '<g class="hover" fill="transparent" stroke="none">' + "".join(squares) + "</g>"


def save(fig, path):
    """Write the figure to ``path`` as PNG or SVG, by its extension."""
    suffix = str(path).rsplit(".", 1)[-1].lower()
    if suffix not in ("png", "svg"):
        raise SgdtextError(f"{path}: a plot is written as .png or .svg; name the file so")
    with atomic_writer(path) as out:
        fig.savefig(out, format=suffix, dpi=150)
