"""How a run tells the person or program watching it where it is: phases (reading, featurising, training,
evaluating, writing), each with its count, rate and figures.

Library code opens phases; the reporter installed for the current context decides what is shown:

    with progress.phase("reading", detail=path, unit="documents") as p:
        for doc in documents:
            p.advance()

Reporters: ``Silent`` (the default: the Python API prints nothing), ``Terminal`` (a bar per phase with a rate and,
where the total is known, an ETA; each bar replaced by a one-line summary when its phase ends), ``LogLines``
(timestamped lines on a stream: one when a phase starts, at most one every LOG_EVERY seconds while it runs, every
epoch, and one when it ends; as text or one JSON object a line). Every ended phase is also kept in the current
``recording()`` list, from which a run takes its timings.
"""

import contextlib
import contextvars
import datetime
import json
import sys
import time

LOG_EVERY = 30.0  # seconds between the progress lines of a long phase, off a terminal
REFRESH = 0.1  # seconds between redraws of a bar


class Phase:
    """One phase of a run: ``done`` of ``total`` (None when unknown) ``unit``s so far, and the figures of the
    last step (loss, accuracy, ...)."""

    def __init__(self, name, detail, total, unit, reporter):
        self.name, self.detail, self.total, self.unit = name, detail, total, unit
        self.done, self.figures, self.reporter = 0, {}, reporter
        self.started = time.perf_counter()
        self.seconds = None

    def advance(self, n=1, **figures):
        """Count ``n`` more units done; ``figures`` replace those shown (a None value removes its figure)."""
        self.done += n
        self.set(**figures)
        self.reporter.advanced(self)

    def count(self, items, every=1024):
        """Yield ``items``, counting them in steps of ``every`` (and the rest at the end)."""
        pending = 0
        for item in items:
            yield item
            pending += 1
            if pending == every:
                self.advance(pending)
                pending = 0
        if pending:
            self.advance(pending)

    def set(self, **figures):
        """Show ``figures`` without counting a unit (e.g. the reason training stopped); None removes one."""
        for key, value in figures.items():
            if value is None:
                self.figures.pop(key, None)
            else:
                self.figures[key] = value

    def elapsed(self):
        return time.perf_counter() - self.started if self.seconds is None else self.seconds

    def rate(self):
        seconds = self.elapsed()
        return self.done / seconds if seconds > 0 and self.done else None

    def title(self):
        return f"{self.name} {self.detail}" if self.detail else self.name

    def summary(self):
        """One line: what was done, how long it took, how fast, and the last figures."""
        parts = [self.title() + ":"]
        if self.unit and self.done:
            parts.append(f"{self.done:,} {self.unit if self.done != 1 else self.unit.rstrip('s')}")
        parts.append(f"in {self.elapsed():.2f} s")
        rate = self.rate()
        if rate is not None and self.unit == "documents":
            parts.append(f"({rate:,.0f} {self.unit}/s)")
        parts += [f"{key} {format_figure(value)}" for key, value in self.figures.items()]
        return " ".join(parts)

    def record(self):
        """The phase as data (timings in metrics.json, --log-format json)."""
        out = {"phase": self.name, "detail": self.detail, "done": self.done, "total": self.total, "unit": self.unit,
               "seconds": round(self.elapsed(), 4)}
        rate = self.rate()
        if rate is not None:
            out["per_second"] = round(rate, 1)
        return {**out, **self.figures}


def format_figure(value):
    return f"{value:.4f}" if isinstance(value, float) else str(value)


class Silent:
    """Shows nothing."""

    def started(self, phase):
        pass

    def advanced(self, phase):
        pass

    def ended(self, phase):
        pass

    def abandoned(self, phase):
        """The phase stopped on an error: the error's message says the rest."""

    def warning(self, message):
        pass

    def info(self, message, data):
        """A line of the run's outcome (``data``: the same as fields, for JSON)."""


class Terminal(Silent):
    """A tqdm bar per open phase (nested phases below their parent); a summary line when a phase ends."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.bars, self.shown = {}, {}

    def started(self, phase):
        from tqdm import tqdm

        self.bars[id(phase)] = tqdm(total=phase.total, unit=f" {phase.unit}" if phase.unit else "it",
                                    desc=phase.title(), file=self.stream, leave=False, position=len(self.bars),
                                    dynamic_ncols=True, unit_scale=phase.unit == "documents")

    def advanced(self, phase):
        bar, now = self.bars.get(id(phase)), time.perf_counter()
        if bar is not None and (phase.unit == "epochs" or now - self.shown.get(id(phase), 0.0) >= REFRESH):
            self.shown[id(phase)] = now
            bar.n = phase.done
            bar.set_postfix_str("  ".join(f"{k} {format_figure(v)}" for k, v in phase.figures.items()),
                                refresh=False)
            bar.refresh()

    def ended(self, phase):
        self.abandoned(phase)
        bar_write(self.stream, phase.summary())

    def abandoned(self, phase):
        """Close the phase's bar (and forget when it was last drawn)."""
        self.shown.pop(id(phase), None)
        bar = self.bars.pop(id(phase), None)
        if bar is not None:
            bar.close()

    def warning(self, message):
        bar_write(self.stream, f"sgdtext: {message}")

    def info(self, message, data):
        bar_write(self.stream, message)


def bar_write(stream, line):
    from tqdm import tqdm

    tqdm.write(line, file=stream)


class LogLines(Silent):
    """Timestamped lines for logs: text (``TIME sgdtext: what``) or JSON (one object a line, with ``event``)."""

    def __init__(self, stream=None, fmt="text"):
        self.stream, self.json = stream or sys.stderr, fmt == "json"
        self.last = {}

    def emit(self, event, text, data):
        stamp = datetime.datetime.now(datetime.timezone.utc)
        if self.json:
            line = json.dumps({"time": stamp.isoformat(timespec="milliseconds"), "event": event, **data})
        else:
            line = f"{stamp.strftime('%Y-%m-%dT%H:%M:%SZ')} sgdtext: {text}"
        self.stream.write(line + "\n")
        self.stream.flush()

    def started(self, phase):
        self.last[id(phase)] = time.perf_counter()
        self.emit("start", phase.title(), {"phase": phase.name, "detail": phase.detail, "total": phase.total,
                                           "unit": phase.unit})

    def advanced(self, phase):
        now = time.perf_counter()
        since = now - self.last.get(id(phase), now)
        if phase.unit != "epochs" and since < LOG_EVERY:
            return
        self.last[id(phase)] = now
        if phase.unit == "epochs":
            figures = " ".join(f"{k.replace('_', ' ')} {format_figure(v)}" for k, v in phase.figures.items())
            text = f"epoch {phase.done}: {figures} ({since:.2f} s)"
        else:
            of = f" of {phase.total:,}" if phase.total else ""
            rate = phase.rate()
            text = f"{phase.title()}: {phase.done:,}{of} {phase.unit}" + (f" ({rate:,.0f}/s)" if rate else "")
        self.emit("progress", text, phase.record())

    def ended(self, phase):
        self.last.pop(id(phase), None)
        self.emit("end", phase.summary(), phase.record())

    def abandoned(self, phase):
        self.last.pop(id(phase), None)

    def warning(self, message):
        self.emit("warning", message, {"message": message})

    def info(self, message, data):
        if self.json:
            self.emit("result", message, {"message": message, **data})
        else:
            for line in message.splitlines():
                self.emit("result", line, data)


DEFAULT = Silent()
REPORTER = contextvars.ContextVar("sgdtext_reporter", default=DEFAULT)
RECORDING = contextvars.ContextVar("sgdtext_recording", default=None)


@contextlib.contextmanager
def holding(variable, value):
    """``variable`` set to ``value`` for the block (and what it was before, after it)."""
    token = variable.set(value)
    try:
        yield value
    finally:
        variable.reset(token)


def reporting(reporter):
    """Show the phases opened in this context with ``reporter``."""
    return holding(REPORTER, reporter)


def recording():
    """Collect the record of every phase that ends in this context, in order of ending."""
    return holding(RECORDING, [])


@contextlib.contextmanager
def phase(name, *, detail=None, total=None, unit=None):
    """Open a phase; it ends (summary shown, record kept) when the block ends without an error."""
    reporter = REPORTER.get()
    current = Phase(name, detail, total, unit, reporter)
    reporter.started(current)
    try:
        yield current
    except BaseException:
        reporter.abandoned(current)
        raise
    current.seconds = time.perf_counter() - current.started
    reporter.ended(current)
    records = RECORDING.get()
    if records is not None:
        records.append(current.record())


def current():
    """The reporter of this context (``DEFAULT`` where none was installed)."""
    return REPORTER.get()
