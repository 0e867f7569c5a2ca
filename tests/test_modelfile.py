import json

import numpy as np
import pytest

from sgdtext.config import DEFAULTS
from sgdtext.errors import ModelFileError
from sgdtext.io.documents import Document
from sgdtext.io.modelfile import FORMAT_VERSION
from sgdtext.linear.model import LinearModel
from sgdtext.models import load_model, save_model
from sgdtext.text.features import Featurizer


@pytest.fixture
def saved(tmp_path):
    config = {section: dict(values) for section, values in DEFAULTS.items()}
    config["features"] = {**config["features"], "weighting": "tfidf", "ngram_range": [1, 2]}
    featurizer = Featurizer(config["features"])
    featurizer.fit_transform([Document("a", t, None, "") for t in ["free prize now", "see you at lunch", "free lunch"]])
    rng = np.random.default_rng(0)
    model = LinearModel("softmax", ["ham", "spam", "other"], rng.normal(size=(featurizer.n_features, 3)),
                        rng.normal(size=3))
    path = tmp_path / "model.npz"
    config["output"] = {**config["output"], "weights": "float64"}
    save_model(path, model, featurizer, config)
    return path, model, featurizer


def test_weights_are_stored_as_float32_by_default(saved, tmp_path):
    _, model, featurizer = saved
    config = {section: dict(values) for section, values in DEFAULTS.items()}
    config["features"] = {**config["features"], "weighting": "tfidf", "ngram_range": [1, 2]}
    small, large = tmp_path / "small.npz", tmp_path / "large.npz"
    save_model(small, model, featurizer, config)
    save_model(large, model, featurizer, {**config, "output": {**config["output"], "weights": "float64"}})
    with np.load(small) as npz:
        assert npz["W"].dtype == np.float32 and npz["b"].dtype == np.float64
    loaded = load_model(small)[0]
    assert loaded.W.dtype == np.float64 and loaded.W.tobytes() == model.W.astype(np.float32).astype(float).tobytes()
    docs = [Document(None, "free lunch prize", None, "")]
    scores = loaded.scores(featurizer.transform(docs))
    np.testing.assert_allclose(scores, model.scores(featurizer.transform(docs)), rtol=1e-6)


def test_round_trip(saved):
    path, model, featurizer = saved
    loaded, loaded_featurizer, meta = load_model(path)
    assert loaded.W.tobytes() == model.W.tobytes() and loaded.b.tobytes() == model.b.tobytes()  # float64 kept
    assert loaded.classes == model.classes and loaded.model_type == "softmax"
    assert loaded_featurizer.feature_names() == featurizer.feature_names()
    assert meta["format_version"] == FORMAT_VERSION and meta["sgdtext_version"]
    docs = [Document(None, "free lunch prize", None, "")]
    np.testing.assert_array_equal(loaded.scores(loaded_featurizer.transform(docs)),
                                  model.scores(featurizer.transform(docs)))
    with np.load(path, allow_pickle=False) as npz:  # plain arrays only
        assert all(npz[name].dtype != object for name in npz.files)


def test_pickled_payload_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, W=np.array([{"x": 1}], dtype=object), metadata=np.array("{}"))
    with pytest.raises(ModelFileError, match=r"evil.npz: holds pickled objects, which sgdtext never loads"):
        load_model(path)


def test_truncated_file(saved):
    path = saved[0]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"not a readable model file \(truncated or not an .npz"):
        load_model(path)


def test_other_format_version(saved, tmp_path):
    path = saved[0]
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(str(arrays["metadata"]))
    meta["format_version"] = 99
    arrays["metadata"] = np.array(json.dumps(meta))
    other = tmp_path / "future.npz"
    np.savez(other, **arrays)
    with pytest.raises(ModelFileError, match=r"model format version 99, but this sgdtext .* reads version 1; retrain"):
        load_model(other)


def test_not_an_sgdtext_file(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, x=np.zeros(2))
    with pytest.raises(ModelFileError, match=r"has no sgdtext metadata"):
        load_model(path)
    with pytest.raises(ModelFileError, match=r"no such model file"):
        load_model(tmp_path / "missing.npz")


def test_failed_write_keeps_the_old_file(saved, monkeypatch):
    path, model, featurizer = saved
    before = path.read_bytes()

    def broken_savez(handle, **arrays):
        handle.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(KeyboardInterrupt):
        save_model(path, model, featurizer, {"features": featurizer.settings})
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["model.npz"]  # no temporary file left behind
