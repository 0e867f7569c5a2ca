"""sgdtext: a command-line text classifier trained by stochastic gradient descent, with a Python API.

    sgdtext.train(config, *, out_dir=None) -> (Classifier, metrics)   config: a path, a mapping or a Config
    sgdtext.load(path) -> Classifier                                   a model file or a model folder
    Classifier: predict, predict_proba, decision_function, explain, save, classes_

The API loads on first use, so `import sgdtext` (and the command line's start) stays light.
"""

import importlib

__version__ = "0.1.0"
API = {"train": "sgdtext.api", "load": "sgdtext.api", "Classifier": "sgdtext.api",
       "TextClassifier": "sgdtext.estimator", "LinearClassifier": "sgdtext.estimator"}
__all__ = ["Classifier", "LinearClassifier", "TextClassifier", "load", "train", "__version__"]


def __getattr__(name):
    if name not in API:
        raise AttributeError(f"module 'sgdtext' has no attribute {name!r}")
    return getattr(importlib.import_module(API[name]), name)
