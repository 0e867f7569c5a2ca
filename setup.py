"""Builds the compiled parts (sgdtext/_sgd_fast.pyx, sgdtext/_text_fast.pyx, sgdtext/_dual_fast.pyx); everything else is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

EXTENSIONS = [Extension(f"sgdtext.{name}", [f"sgdtext/{name}.pyx"], extra_compile_args=["-O3"])
              for name in ("_sgd_fast", "_text_fast", "_dual_fast")]

setup(ext_modules=cythonize(EXTENSIONS, language_level=3))
