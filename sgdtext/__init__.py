"""sgdtext: a command-line text classifier trained by stochastic gradient descent."""

__version__ = "0.1.0"
