"""Smaller model files (``sgdtext quantize``), as fastText's quantize: keep the features that matter most and store
their weights in 8 bits.

``cutoff`` keeps the N text features whose weight rows have the largest L2 norm (hand-made features always stay): in
vocabulary mode the vocabulary (and idf) shrink to them, in hashing mode the other rows are dropped from the file
(read back as zeros). ``bits: 8`` stores each weight column as int8 with its own scale (the column's largest
absolute weight maps to 127); ``bits: 32`` keeps float32. Linear models only: a network's weights are not rows of
features.
"""

import hashlib

import numpy as np

from sgdtext.core.sparse import pack_strings
from sgdtext.errors import SgdtextError
from sgdtext.io.modelfile import read_model_file, write_model_file
from sgdtext.models import load_model


def kept_rows(W, n_text, cutoff):
    """The rows of W (d, k) to keep: the ``cutoff`` text rows of largest norm (in row order), then every row after
    ``n_text`` (the hand-made features)."""
    if cutoff is None or cutoff >= n_text:
        return np.arange(W.shape[0])
    norms = np.einsum("ij,ij->i", W[:n_text], W[:n_text])
    top = np.sort(np.argsort(-norms, kind="stable")[:cutoff])
    return np.concatenate([top, np.arange(n_text, W.shape[0])])


def int8_columns(W):
    """(int8 W, scale per column): W ≈ W_int8 * scale / 127, rounding to nearest."""
    scale = np.abs(W).max(axis=0) if W.size else np.zeros(W.shape[1])
    safe = np.where(scale > 0, scale, 1.0)
    return np.clip(np.rint(W / safe * 127.0), -127, 127).astype(np.int8), scale


def quantize(path, out, *, cutoff=None, bits=8):
    """Write the smaller model of the model file ``path`` to ``out``; returns a summary (sizes, features kept)."""
    model, featurizer, meta = load_model(path)  # every array checked before anything below reads it
    if model.family != "linear":
        raise SgdtextError(f"{path}: a {model.model_type} model; quantize keeps rows of a linear model's weights "
                           f"(one per feature), which a network does not have")
    if meta.get("quantized"):
        raise SgdtextError(f"{path}: already quantised ({meta['quantized']}); quantise the model train wrote")
    arrays, _ = read_model_file(path)
    n_text = featurizer.n_text_features
    rows = kept_rows(model.W, n_text, cutoff)
    W = model.W[rows]
    if not featurizer.hashing and featurizer.settings.bag_of_words and len(rows) < model.W.shape[0]:
        text_rows = rows[rows < n_text]
        names = featurizer.feature_names()
        arrays.update(pack_strings("vocabulary", [names[j] for j in text_rows]))
        if "idf" in arrays:
            arrays["idf"] = arrays["idf"][text_rows]
    elif len(rows) < model.W.shape[0]:
        arrays["W_rows"] = rows.astype(np.int64)
    for name in [n for n in arrays if n.startswith("adaptive_")]:
        del arrays[name]  # a quantised model is for predicting, not for a warm start
    meta.pop("adaptive_optimizer", None)
    if bits == 8:
        arrays["W"], arrays["W_scale"] = int8_columns(W)
    else:
        arrays["W"] = W.astype(np.float32)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    meta["quantized"] = {"bits": bits, "cutoff": cutoff, "rows_kept": int(len(rows)), "rows": int(model.W.shape[0]),
                         "from": {"path": str(path), "sha256": digest.hexdigest()}}
    meta.pop("format_version", None)
    write_model_file(out, arrays, meta)
    return meta["quantized"]
