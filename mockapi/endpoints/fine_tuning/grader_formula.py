"""The ``multi`` grader's ``calculate_output``: a small arithmetic language, parsed and
evaluated here (never by ``eval``).

What the graders guide lists, and nothing more: numbers, the names of the grader's
``graders`` (each its sub-grader's reward), ``+ - * /``, ``^`` (power), parentheses,
unary minus, and the functions ``min``, ``max`` (one argument or more), ``abs``,
``floor``, ``ceil``, ``exp``, ``sqrt`` and ``log`` (natural; one argument each).
``^`` binds tighter than unary minus and groups to the right, as in mathematics
(``-2^2`` is -4, ``2^3^2`` is 512).

:func:`parse` gives a :class:`Formula` (or :class:`FormulaError` with ``kind``
``"parse"``); :meth:`Formula.names` are the variables it reads and
:meth:`Formula.evaluate` its value for given ones (``kind`` ``"variable"`` for a name
it was not given, ``"math"`` for a division by zero, a logarithm of 0, an overflow).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from mockapi.errors import MockapiError

MAX_LENGTH = 10_000
"""The longest formula taken (the API's limit is not documented)."""
MAX_DEPTH = 64
"""The deepest nesting of parentheses and calls taken."""

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<op>[-+*/^(),]))"
)
_UNARY: dict[str, Callable[[float], float]] = {
    "abs": abs,
    "floor": lambda x: float(math.floor(x)),
    "ceil": lambda x: float(math.ceil(x)),
    "exp": math.exp,
    "sqrt": math.sqrt,
    "log": math.log,
}
_VARIADIC: dict[str, Callable[..., float]] = {"min": min, "max": max}
FUNCTIONS = frozenset(_UNARY) | frozenset(_VARIADIC)
"""The function names a formula may call."""

Kind = Literal["parse", "variable", "math"]


class FormulaError(MockapiError):
    """A formula that cannot be read (``parse``), names what it was not given
    (``variable``), or has no value (``math``)."""

    def __init__(self, kind: Kind, message: str) -> None:
        super().__init__(message)
        self.kind: Kind = kind
        self.message = message


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Neg:
    inner: Node


@dataclass(frozen=True)
class Bin:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Num | Var | Neg | Bin | Call
"""A parsed formula: a tree of these."""


@dataclass(frozen=True)
class Formula:
    """A parsed ``calculate_output``."""

    text: str
    tree: Node

    def names(self) -> frozenset[str]:
        """The variables the formula reads."""
        return frozenset(_names(self.tree))

    def evaluate(self, variables: Mapping[str, float]) -> float:
        """The formula's value with ``variables``; :class:`FormulaError` when it has none."""
        try:
            value = _value(self.tree, variables)
        except ZeroDivisionError:
            raise FormulaError("math", f"'{self.text}' divides by zero") from None
        except (ValueError, OverflowError) as problem:
            raise FormulaError("math", f"'{self.text}' has no value: {problem}") from None
        if not math.isfinite(value):
            raise FormulaError("math", f"'{self.text}' has no finite value")
        return value


def parse(text: str) -> Formula:
    """``text`` parsed; :class:`FormulaError` (``parse``) naming what is wrong."""
    if len(text) > MAX_LENGTH:
        raise FormulaError("parse", f"the formula is {len(text)} characters, over {MAX_LENGTH}")
    parser = _Parser(text, _tokens(text))
    tree = parser.sum(0)
    if parser.position < len(parser.tokens):
        raise FormulaError("parse", parser.unexpected())
    return Formula(text, tree)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip() == "":
                break
            bad = text[position:].lstrip()[:1]
            raise FormulaError("parse", f"unexpected character {bad!r} in '{text}'")
        kind = str(match.lastgroup)
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens; ``depth`` bounds the nesting."""

    def __init__(self, text: str, tokens: list[tuple[str, str]]) -> None:
        self.text = text
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise FormulaError("parse", f"'{self.text}' ends too soon")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, op: str) -> None:
        if self.peek() != op:
            raise FormulaError("parse", self.unexpected(wanted=op))
        self.position += 1

    def unexpected(self, wanted: str | None = None) -> str:
        found = self.peek()
        said = f"expected '{wanted}' but found " if wanted else "unexpected "
        where = f"'{found}'" if found is not None else "the end"
        return f"{said}{where} in '{self.text}'"

    def sum(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise FormulaError("parse", f"'{self.text}' nests deeper than {MAX_DEPTH}")
        node = self.product(depth)
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            node = Bin(op, node, self.product(depth))
        return node

    def product(self, depth: int) -> Node:
        node = self.unary(depth)
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            node = Bin(op, node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        if self.peek() in ("-", "+"):
            sign = self.take()[1]
            inner = self.unary(depth + 1)
            return Neg(inner) if sign == "-" else inner
        return self.power(depth)

    def power(self, depth: int) -> Node:
        base = self.atom(depth)
        if self.peek() == "^":
            self.take()
            return Bin("^", base, self.unary(depth + 1))
        return base

    def atom(self, depth: int) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Num(float(value))
        if kind == "name":
            if self.peek() != "(":
                return Var(value)
            if value not in FUNCTIONS:
                known = ", ".join(sorted(FUNCTIONS))
                raise FormulaError(
                    "parse", f"unknown function '{value}' in '{self.text}' (known: {known})"
                )
            self.take()
            args = [self.sum(depth + 1)]
            while self.peek() == ",":
                self.take()
                args.append(self.sum(depth + 1))
            self.expect(")")
            if value in _UNARY and len(args) != 1:
                raise FormulaError(
                    "parse", f"{value}() takes one argument, got {len(args)} in '{self.text}'"
                )
            return Call(value, tuple(args))
        if value == "(":
            node = self.sum(depth + 1)
            self.expect(")")
            return node
        self.position -= 1
        raise FormulaError("parse", self.unexpected())


def _names(node: Node) -> set[str]:
    if isinstance(node, Var):
        return {node.name}
    if isinstance(node, Neg):
        return _names(node.inner)
    if isinstance(node, Bin):
        return _names(node.left) | _names(node.right)
    if isinstance(node, Call):
        return set().union(*(_names(arg) for arg in node.args))
    return set()


def _value(node: Node, variables: Mapping[str, float]) -> float:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Var):
        if node.name not in variables:
            known = ", ".join(sorted(variables)) or "none"
            raise FormulaError("variable", f"'{node.name}' is not a grader's name (names: {known})")
        return float(variables[node.name])
    if isinstance(node, Neg):
        return -_value(node.inner, variables)
    if isinstance(node, Call):
        args = [_value(arg, variables) for arg in node.args]
        if node.name in _UNARY:
            return float(_UNARY[node.name](args[0]))
        return float(_VARIADIC[node.name](*args))
    left, right = _value(node.left, variables), _value(node.right, variables)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if node.op == "/":
        return left / right
    return math.pow(left, right)
