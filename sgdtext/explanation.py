"""Why a linear model predicted what it did for one document: each feature the document has, with its value, its
weight for the predicted class and their product, the contribution; with the intercept they sum to the score
predict used (Vowpal Wabbit's --audit, readably)."""

import numpy as np

from sgdtext.errors import SgdtextError


def explain(model, featurizer, texts, top=10):
    """Per text: {"label", "score", "intercept", "features": [{"feature", "value", "weight", "contribution"}] (the
    ``top`` largest contributions by size), "rest": the sum of the others}."""
    if not model.weight_columns():
        raise SgdtextError(f"explain shows the weight of each feature for the predicted class, which a "
                           f"{model.model_type} model does not have; use a linear model")
    X = featurizer.transform_texts(list(texts))
    scores = model.scores(X)
    predicted = model.predict_index(scores)
    names = featurizer.feature_names()
    out = []
    for i in range(X.shape[0]):
        column = 0 if model.W.shape[1] == 1 else int(predicted[i])
        cols, values = X.indices[X.indptr[i]:X.indptr[i + 1]], X.data[X.indptr[i]:X.indptr[i + 1]]
        weights = model.W[cols, column]
        contributions = values * weights
        order = np.argsort(-np.abs(contributions), kind="stable")
        shown = order[:top]
        out.append({
            "label": model.classes[int(predicted[i])],
            "score": float(scores[i, column]),
            "intercept": float(model.b[column]),
            "features": [{"feature": names[cols[j]], "value": float(values[j]), "weight": float(weights[j]),
                          "contribution": float(contributions[j])} for j in shown],
            "rest": float(contributions[order[top:]].sum()),
        })
    return out


def format_explanation(item, positive_class=None):
    """One document's explanation as lines a person reads."""
    side = f" (score for {positive_class}: >= 0 predicts it)" if positive_class else ""
    lines = [f"{item['label']}: score {item['score']:+.4f}{side} = intercept {item['intercept']:+.4f}"
             + "".join(f" {f['contribution']:+.4f}" for f in item["features"][:3])
             + (" ..." if len(item["features"]) > 3 or item["rest"] else "")]
    for f in item["features"]:
        lines.append(f"  {f['feature']:<24} value {f['value']:.4f}  weight {f['weight']:+.4f}  "
                     f"contribution {f['contribution']:+.4f}")
    if item["rest"]:
        lines.append(f"  (the other features) contribution {item['rest']:+.4f}")
    return "\n".join(lines)
