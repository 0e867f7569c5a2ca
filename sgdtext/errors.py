"""The one exception family sgdtext raises for a user's mistake.

Every message says what is wrong, where (``file:line`` or a config key path), the bad value,
and how to fix it. The CLI turns these into one line on stderr and exit code 1; anything else
escaping is a bug and keeps its traceback.
"""


class SgdtextError(Exception):
    """Base class of every error caused by input rather than by a bug."""


class ConfigError(SgdtextError):
    """The experiment config is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems, source="config"):
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"  {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{source}: {len(self.problems)} {noun}:\n{lines}")


class DataError(SgdtextError):
    """A document file is missing or malformed."""


class ModelFileError(SgdtextError):
    """A model file cannot be read: missing, truncated, another format, or unsafe."""


class TrainingError(SgdtextError):
    """Training cannot go on (for example the loss diverged)."""


class WorkerDiedError(SgdtextError):
    """A forked worker process died before it answered (killed, or out of memory)."""
