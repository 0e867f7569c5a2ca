"""The networks: reverse-mode autodiff over numpy arrays, the MLP model, its optimisers and its solver, and the
expression graphs of ``sgdtext grad``. Imports numpy, scipy, sgdtext.core, sgdtext.config and sgdtext.errors;
never sgdtext.linear, sgdtext.text or sgdtext.training."""
