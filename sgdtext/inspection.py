"""What a trained model learned: per class, its weights by feature name (the lecture's "free: 4, FROM_FRIEND: -3"),
for the models that have a weight per feature and class; what the model is, for every model."""

import numpy as np


def weights_json(model, featurizer):
    """{"model_type", "classes", what the model says of itself, and, with a weight per feature and class,
    "weights": {class: {feature: weight}}, "intercept": {class: number}}.

    Every feature in vocabulary mode; in hashing mode only the non-zero columns (2**20 zeros say nothing).
    """
    out = {"model_type": model.model_type, "classes": model.classes, **model.describe_json()}
    columns = model.weight_columns()
    if columns:
        names, signs = featurizer.feature_names(), featurizer.feature_signs()
        out["weights"], out["intercept"] = {}, {}
        for label, w, b in columns:
            w = w * signs  # a hashed term that counts negatively: its own weight
            cols = np.flatnonzero(w) if featurizer.hashing else range(len(w))
            out["weights"][label] = {names[j]: float(w[j]) for j in cols}
            out["intercept"][label] = b
    return out


def top_features(model, featurizer, top):
    """Per weight vector: (label, intercept, [(name, weight)] most positive, [(name, weight)] most negative)."""
    names, signs = featurizer.feature_names(), featurizer.feature_signs()
    out = []
    for label, w, b in model.weight_columns():
        w = w * signs  # a hashed term that counts negatively: its own weight
        order = np.argsort(-w, kind="stable")
        positive = [(names[j], float(w[j])) for j in order[:top] if w[j] > 0]
        negative = [(names[j], float(w[j])) for j in order[::-1][:top] if w[j] < 0]
        out.append((label, b, positive, negative))
    return out


def format_top(model, featurizer, top, meta):
    """The model's description, then per weight vector its intercept and top positive and negative features."""
    first, *rest = model.describe(featurizer.n_features).split("\n")
    lines = [f"{first}, sgdtext {meta.get('sgdtext_version')}", *rest]
    one_vector = len(model.weight_columns()) == 1
    for label, b, positive, negative in top_features(model, featurizer, top):
        title = f"class {label}"
        if one_vector:
            title += f" (positive class; negative weights point to {model.classes[0]})"
        lines.append(f"{title}, intercept {b:+.4f}")
        lines.append("  top positive: " + (", ".join(f"{n}: {v:+.4f}" for n, v in positive) or "(none)"))
        lines.append("  top negative: " + (", ".join(f"{n}: {v:+.4f}" for n, v in negative) or "(none)"))
    return "\n".join(lines)
