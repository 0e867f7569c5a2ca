"""The typed config: one frozen dataclass per section, its fields and defaults generated from the schema, so the
code that trains reads ``config.training.learning_rate`` and never a raw mapping."""

import copy
from dataclasses import dataclass, field, fields, make_dataclass

from sgdtext.config.schema import SCHEMA


def section_class(section, class_name):
    """A frozen dataclass with one field per key of ``section``, defaulting as the schema says."""
    def default(key):
        value = key.default
        return field(default_factory=lambda: copy.deepcopy(value)) if isinstance(value, (list, dict)) else \
            field(default=value)

    cls = make_dataclass(class_name, [(name, object, default(key)) for name, key in SCHEMA[section].items()],
                         frozen=True, namespace={"__doc__": f"The {section} section of the config (typed)."})
    cls.__module__ = __name__  # so that pickle finds it (through __getattr__ below)
    return cls


CLASS_NAMES = {"data": "DataConfig", "features": "FeaturesConfig", "model": "ModelConfig",
               "training": "TrainingConfig", "output": "OutputConfig"}
SECTIONS = {name: section for section, name in CLASS_NAMES.items()}
_classes = {}


def __getattr__(name):
    """DataConfig, FeaturesConfig, ...: each made on first use (predict needs only the features section's)."""
    if name not in SECTIONS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _classes:
        _classes[name] = section_class(SECTIONS[name], name)
    return _classes[name]


def section_type(section):
    return __getattr__(CLASS_NAMES[section])


@dataclass(frozen=True)
class Config:
    """A resolved config, typed; ``mapping`` is the resolved mapping it came from (saved beside the weights)."""

    data: object  # DataConfig
    features: object  # FeaturesConfig
    model: object  # ModelConfig
    training: object  # TrainingConfig
    output: object  # OutputConfig
    mapping: dict

    @classmethod
    def from_mapping(cls, resolved):
        """The typed form of a mapping that config.validate (or load_config) returned."""
        sections = [f.name for f in fields(cls) if f.name != "mapping"]
        return cls(**{name: section_type(name)(**resolved[name]) for name in sections}, mapping=resolved)
