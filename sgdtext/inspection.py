"""What a trained model learned: per class, its weights by feature name (the lecture's "free: 4, FROM_FRIEND: -3")."""

import numpy as np


def weight_columns(model):
    """(class label, weight column, intercept) for each weight vector the model has.

    A two-class model with one weight vector reports it under its positive class, ``classes[1]``.
    """
    if model.W.shape[1] == 1:
        return [(model.classes[1], model.W[:, 0], float(model.b[0]))]
    return [(label, model.W[:, j], float(model.b[j])) for j, label in enumerate(model.classes)]


def architecture_lines(model, featurizer):
    """An mlp's layers with their shapes and parameter counts."""
    a = model.arch
    act = a.activation + (f" (slope {a.leaky_slope})" if a.activation == "leaky_relu" else
                          f" (alpha {a.elu_alpha})" if a.activation == "elu" else
                          f" ({a.maxout_pieces} pieces)" if a.activation == "maxout" else "")
    lines = [f"model: mlp, {len(model.classes)} classes, {featurizer.n_features} features, "
             f"{model.n_parameters:,} parameters, activation {act}, dropout {a.dropout}"]
    network = model.params[: len(model.params) - a.wide]
    for i in range(0, len(network), 2):
        W, b = network[i], network[i + 1]
        kind = "softmax output" if i + 2 == len(network) else f"hidden layer {i // 2 + 1}"
        lines.append(f"  {kind}: W {W.shape[0]} x {W.shape[1]}, b {b.shape[0]}: {W.size + b.size:,} parameters")
    if a.wide:
        U = model.params[-1]
        lines.append(f"  wide path (features -> output): U {U.shape[0]} x {U.shape[1]}: {U.size:,} parameters")
    lines.append("  classes: " + ", ".join(model.classes))
    return lines


def weights_json(model, featurizer):
    """{"classes", "weights": {class: {feature: weight}}, "intercept": {class: number}}.

    Every feature in vocabulary mode; in hashing mode only the non-zero columns (2**20 zeros say nothing).
    An mlp has no weight per feature and class: its architecture and parameter counts instead.
    """
    if model.model_type == "mlp":
        network = model.params[: len(model.params) - model.arch.wide]
        layers = [{"W": list(network[i].shape), "b": list(network[i + 1].shape)} for i in range(0, len(network), 2)]
        if model.arch.wide:
            layers.append({"U": list(model.params[-1].shape)})
        return {"model_type": "mlp", "classes": model.classes, "architecture": vars(model.arch),
                "layers": layers, "n_parameters": int(model.n_parameters)}
    names = featurizer.feature_names()
    weights, intercept = {}, {}
    for label, w, b in weight_columns(model):
        cols = np.flatnonzero(w) if featurizer.hashing else range(len(w))
        weights[label] = {names[j]: float(w[j]) for j in cols}
        intercept[label] = b
    return {"model_type": model.model_type, "classes": model.classes, "weights": weights, "intercept": intercept}


def top_features(model, featurizer, top):
    """Per weight vector: (label, intercept, [(name, weight)] most positive, [(name, weight)] most negative)."""
    names = featurizer.feature_names()
    out = []
    for label, w, b in weight_columns(model):
        order = np.argsort(-w, kind="stable")
        positive = [(names[j], float(w[j])) for j in order[:top] if w[j] > 0]
        negative = [(names[j], float(w[j])) for j in order[::-1][:top] if w[j] < 0]
        out.append((label, b, positive, negative))
    return out


def format_top(model, featurizer, top, meta):
    if model.model_type == "mlp":
        return "\n".join(architecture_lines(model, featurizer))
    lines = [f"model: {model.model_type} ({meta.get('multiclass', 'native')}), {len(model.classes)} classes, "
             f"{featurizer.n_features} features, sgdtext {meta.get('sgdtext_version')}"]
    for label, b, positive, negative in top_features(model, featurizer, top):
        title = f"class {label}"
        if model.W.shape[1] == 1:
            title += f" (positive class; negative weights point to {model.classes[0]})"
        lines.append(f"{title}, intercept {b:+.4f}")
        lines.append("  top positive: " + (", ".join(f"{n}: {v:+.4f}" for n, v in positive) or "(none)"))
        lines.append("  top negative: " + (", ".join(f"{n}: {v:+.4f}" for n, v in negative) or "(none)"))
    return "\n".join(lines)
