"""What a solver is told: the training settings (and model.fit_intercept) as one frozen, typed object."""

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class TrainSettings:
    """The settings the solvers and the epoch loop read; each solver reads the fields of its optimizer (see
    sgdtext.config.choices.OPTIMIZERS). Defaults are the config's."""

    epochs: int = 5
    learning_rate: float = 0.1
    schedule: str = "constant"
    power_t: float = 0.5
    batch_size: int = 32
    shuffle: bool = True
    l2: float = 0.0
    l1: float = 0.0
    average: bool = False
    fit_intercept: bool = True
    optimizer: str = "sgd"
    dual_tol: float = 0.1  # dual_cd: converged when the projected gradients span at most this
    nb_scale: float = 0.0  # dual_cd: NB-SVM's per-class feature scaling |r|^nb_scale; 0: none
    nb_alpha: float = 1.0  # its smoothing
    momentum: float = 0.9
    nesterov: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    tol: float | None = None  # loss rule: stop when no improvement by tol for `patience` epochs
    loss_lower_bound: float | None = None  # loss rule: stop when loss <= bound + tol
    patience: int = 5
    early_stopping: bool = False  # validation rule: needs validation data; keeps the best weights

    @classmethod
    def from_config(cls, config, *, n_examples=None):
        """The settings of a typed config (sgdtext.config.Config); ``n_examples``, the number of training examples,
        resolves ``l2: auto`` to 1 / (C n_examples)."""
        training = config.training
        values = {f.name: getattr(training, f.name) for f in fields(cls) if f.name != "fit_intercept"}
        if values["l2"] == "auto":
            values["l2"] = 1.0 / (training.C * max(n_examples, 1))
        return cls(**values, fit_intercept=config.model.fit_intercept)

    @property
    def loss_rule(self):
        """Whether a stopping rule reads the training loss (then each epoch is scored on a full pass)."""
        return self.tol is not None or self.loss_lower_bound is not None
