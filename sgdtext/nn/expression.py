"""Arithmetic expressions as computational graphs, for ``sgdtext grad``: the lecture's examples, executable.

The expression is parsed with Python's ``ast`` and only an allow-list of node types is accepted
(numbers, names, + - * / **, unary minus, and calls of the functions below); nothing is ever evaluated
as Python code.
"""

import ast
import re

from sgdtext.errors import SgdtextError
from sgdtext.nn import autodiff as ad

FUNCTIONS = {
    "exp": (ad.exp, 1), "log": (ad.log, 1), "tanh": (ad.tanh, 1), "sigmoid": (ad.sigmoid, 1),
    "relu": (ad.relu, 1), "max": (ad.maximum, 2),
}
BINARY = {ast.Add: ad.add, ast.Sub: ad.sub, ast.Mult: ad.mul, ast.Div: ad.div, ast.Pow: ad.power}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_assignments(assignments):
    """["x=-2", "y=5"] -> {"x": -2.0, "y": 5.0}."""
    values = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not NAME.match(name) or name in FUNCTIONS:
            raise SgdtextError(f"{item!r}: expected NAME=VALUE with a variable name, e.g. x=-2")
        try:
            values[name] = float(text)
        except ValueError:
            raise SgdtextError(f"{item!r}: the value {text!r} is not a number; e.g. {name}=0.5") from None
    return values


def build(expression, values):
    """Return (output node, {name: leaf node}) for ``expression`` with the variables set to ``values``."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise SgdtextError(f"expression {expression!r}: not valid at column {exc.offset}: {exc.msg}; "
                           f"write it like (x + y) * z") from None
    leaves = {}

    def visit(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return ad.Node(float(node.value), op="const", label=ast.unparse(node))
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise SgdtextError(f"expression {expression!r}: variable {node.id!r} has no value; "
                                   f"add {node.id}=VALUE")
            if node.id not in leaves:
                leaves[node.id] = ad.Node(values[node.id], op="input", label=node.id)
            return leaves[node.id]  # a variable used twice is one node: its gradients add
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            out = BINARY[type(node.op)](visit(node.left), visit(node.right))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = visit(node.operand)
            if isinstance(node.op, ast.UAdd):
                return operand
            out = ad.neg(operand)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
              and not node.keywords):
            function, arity = FUNCTIONS[node.func.id]
            if len(node.args) != arity:
                raise SgdtextError(f"expression {expression!r}: {node.func.id}() takes {arity} argument(s), "
                                   f"got {len(node.args)}")
            out = function(*[visit(arg) for arg in node.args])
        else:
            allowed = "numbers, variables, + - * / **, unary -, " + ", ".join(f"{f}()" for f in FUNCTIONS)
            raise SgdtextError(f"expression {expression!r}: {ast.unparse(node)!r} is not allowed; "
                               f"use only {allowed}")
        out.label = ast.unparse(node)
        return out

    unknown = sorted(set(values) - {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})
    if unknown:
        raise SgdtextError(f"expression {expression!r}: variable {unknown[0]!r} is given but not used; "
                           f"check the spelling")
    return visit(tree.body), leaves


MAX_EXPRESSION = 2000  # characters


def gradients(expression, values):
    """{"value", "gradients": {name: df/dname}, "nodes": [{"expr", "op", "value", "grad"}]} (forward order)."""
    if len(expression) > MAX_EXPRESSION:
        raise SgdtextError(f"expression of {len(expression):,} characters: grad takes at most {MAX_EXPRESSION:,}; "
                           f"write a shorter one")
    try:
        out, leaves = build(expression, values)
    except (RecursionError, MemoryError):
        raise SgdtextError(f"expression {expression[:40]!r}...: nests too deeply for grad; write a flatter "
                           f"one") from None
    except OverflowError:
        raise SgdtextError(f"expression {expression[:40]!r}...: a number is too large for a float") from None
    order = out.backward()
    return {
        "value": float(out.value),
        "gradients": {name: float(leaf.grad) for name, leaf in leaves.items()},
        "nodes": [{"expr": node.label, "op": node.op, "value": float(node.value),
                   "grad": float(node.grad if node.grad is not None else 0.0)} for node in order],
    }


def format_table(result):
    width = max(len(n["expr"]) for n in result["nodes"]) + 2
    lines = [f"{'node':<{width}}{'op':<10}{'value':>12}{'grad':>12}"]
    lines += [f"{n['expr']:<{width}}{n['op']:<10}{n['value']:>12.6g}{n['grad']:>12.6g}" for n in result["nodes"]]
    gradients = ", ".join(f"df/d{k} = {v:.6g}" for k, v in result["gradients"].items())
    lines.append(f"f = {result['value']:.6g}; " + gradients)
    return "\n".join(lines)
