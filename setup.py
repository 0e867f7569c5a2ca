"""Builds the compiled parts (the .pyx files below); everything else is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

MODULES = ["core.losses", "core._rows_fast", "linear._sgd_fast", "linear._dual_fast", "nn._adam_fast",
           "text._text_fast"]
EXTENSIONS = [Extension(f"sgdtext.{name}", [f"sgdtext/{name.replace('.', '/')}.pyx"], extra_compile_args=["-O3"])
              for name in MODULES]

setup(ext_modules=cythonize(EXTENSIONS, language_level=3))
