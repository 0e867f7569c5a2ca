"""``--trace``: each SGD step printed in the lecture's terms (instance, score, prediction, mistake, new w)."""

import numpy as np


def tracer(X, y, classes, names, emit):
    """An on_step callback printing each step in the lecture's terms (for batch_size 1)."""
    shown = min(len(names), 20)

    def vector(values):
        return "(" + ", ".join(f"{names[j]} {values[j]:g}" for j in range(shown)) + (", ...)" if len(names) > shown
                                                                                        else ")")

    def on_step(info):
        i = info["index"]
        scores, W = info["scores"][0], info["W"]
        f = X[i].toarray().ravel()
        if len(scores) == 1:
            predicted = classes[1] if scores[0] >= 0 else classes[0]
            score = f"w·f = {scores[0]:g}"
            new_w = vector(W[:, 0])
        else:
            predicted = classes[int(np.argmax(scores))]
            score = "scores " + ", ".join(f"{c} {s:g}" for c, s in zip(classes, scores))
            new_w = "; ".join(f"{c}: {vector(W[:, j])}" for j, c in enumerate(classes))
        verdict = "mistake" if predicted != classes[y[i]] else "correct"
        emit(f"epoch {info['epoch']} step {info['step']}: instance x{i + 1} f = {vector(f)}, "
             f"label {classes[y[i]]}, {score}, predicts {predicted}: {verdict}; w = {new_w}")

    return on_step
