"""Training: the one epoch loop and its stopping rules, fitting through the solver table, the run (config ->
documents -> features -> solver -> files), evaluation and metrics. The top of the library: it may import every
package below it (config, core, io, text, linear, nn); only the CLI imports it."""
