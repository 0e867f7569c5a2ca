"""Builds the compiled SGD loop (sgdtext/_sgd_fast.pyx); everything else is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize([Extension("sgdtext._sgd_fast", ["sgdtext/_sgd_fast.pyx"], extra_compile_args=["-O3"])],
                            language_level=3))
