"""Our own safe reader for math typed by learners and authors.

    tree = parse("σ(z) − y", variables={"z", "y"})
    render(tree)                      # 'σ(z) − y'
    evaluate(tree, {"z": 0.0, "y": 1})  # -0.5
    to_sympy(tree)                    # 1/(1 + exp(-z)) - y  (sympy loaded only on this call)

Text is tokenised and parsed by hand: nothing here calls eval, exec, sympify or parse_expr.
Importing this package loads neither numpy nor SymPy.
"""

from tutor.expr.evaluate import EvalError, evaluate
from tutor.expr.functions import BUILTIN_FUNCTIONS, CONSTANTS, BuiltinFunction, Constant
from tutor.expr.lexer import ReadError
from tutor.expr.nodes import (
    MAX_EXPANDED,
    BinOp,
    BoolConst,
    BoolOp,
    Call,
    Compare,
    Const,
    FunctionDef,
    Index,
    Name,
    Neg,
    Node,
    Num,
    Piecewise,
    Vector,
    called_functions,
    expanded_size,
    free_names,
    walk,
)
from tutor.expr.parser import Limits, parse, readings
from tutor.expr.render import display_name, render
from tutor.expr.sympy_bridge import to_sympy

__all__ = [
    "BUILTIN_FUNCTIONS",
    "CONSTANTS",
    "MAX_EXPANDED",
    "BinOp",
    "BoolConst",
    "BoolOp",
    "BuiltinFunction",
    "Call",
    "Compare",
    "Const",
    "Constant",
    "EvalError",
    "FunctionDef",
    "Index",
    "Limits",
    "Name",
    "Neg",
    "Node",
    "Num",
    "Piecewise",
    "ReadError",
    "Vector",
    "called_functions",
    "display_name",
    "evaluate",
    "expanded_size",
    "free_names",
    "parse",
    "readings",
    "render",
    "to_sympy",
    "walk",
]
