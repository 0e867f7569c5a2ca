"""The linear models and their solvers: the model (X @ W + b), the compiled SGD loop with its schedules, penalties,
averaging and adaptive steps, LIBLINEAR's dual coordinate descent, and SGD over a stream of chunks. Imports numpy,
scipy, sgdtext.core, sgdtext.config and sgdtext.errors; never sgdtext.nn, sgdtext.text or sgdtext.training."""
