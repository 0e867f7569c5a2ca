import json

import pytest
from click.testing import CliRunner

from sgdtext.cli import cli
from sgdtext.errors import SgdtextError
from sgdtext.nn.expression import gradients


def grad(*args):
    return CliRunner().invoke(cli, ["grad", *args])


def test_lecture_sum_times_from_the_cli():
    result = grad("(x + y) * z", "x=-2", "y=5", "z=-4")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "node         op               value        grad",
        "x            input               -2          -4",
        "y            input                5          -4",
        "x + y        add                  3          -4",
        "z            input               -4           3",
        "(x + y) * z  mul                -12           1",
        "f = -12; df/dx = -4, df/dy = -4, df/dz = 3",
    ]


def test_lecture_sigmoid_neuron_json():
    result = grad("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", "w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3", "--json")
    data = json.loads(result.stdout)
    assert round(data["value"], 2) == 0.73
    assert {k: round(v, 2) for k, v in data["gradients"].items()} == {
        "w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
    assert data["nodes"][-1] == {"expr": "1 / (1 + exp(-(w0 * x0 + w1 * x1 + w2)))", "op": "div",
                                 "value": data["value"], "grad": 1.0}
    assert {n["op"] for n in data["nodes"]} == {"input", "mul", "add", "neg", "exp", "const", "div"}


@pytest.mark.parametrize("expression, values, expected", [
    ("x * x", {"x": 3.0}, {"x": 6.0}),  # one variable used twice: the two contributions add
    ("x ** 3 - 2 * x", {"x": 2.0}, {"x": 10.0}),
    ("max(x, y) + relu(-x)", {"x": 1.0, "y": 0.5}, {"x": 1.0, "y": 0.0}),
    ("log(x) + tanh(0 * x) + sigmoid(x - x)", {"x": 2.0}, {"x": 0.5}),
    ("a ** b", {"a": 2.0, "b": 3.0}, {"a": 12.0, "b": 8 * 0.6931471805599453}),
])
def test_expressions(expression, values, expected):
    result = gradients(expression, values)
    assert result["gradients"] == pytest.approx(expected)


@pytest.mark.parametrize("args, message", [
    (["__import__('os').system('true')"], "is not allowed; use only numbers, variables"),
    (["x.real", "x=1"], "'x.real' is not allowed"),
    (["x +", "x=1"], "expression 'x +': not valid at column"),
    (["x * y", "x=1"], "variable 'y' has no value; add y=VALUE"),
    (["x", "x=1", "z=2"], "variable 'z' is given but not used"),
    (["x", "x=one"], "'x=one': the value 'one' is not a number"),
    (["max(x)", "x=1"], "max() takes 2 argument(s), got 1"),
])
def test_bad_expressions_are_one_message(args, message):
    result = grad(*args)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output


def test_never_evaluates_python():
    with pytest.raises(SgdtextError):
        gradients("(lambda: 1)()", {})
