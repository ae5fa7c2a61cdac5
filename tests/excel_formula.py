"""A small evaluator of the Excel formulas kpixl writes, for tests without a spreadsheet.

It covers the subset kpixl's rubrics, kinds and value cells use — ``IF`` (lazy, as Excel),
``AND``, ``OR``, ``NOT``, ``ISNUMBER``, ``ISERROR``, ``MAX``, ``MIN``, ``INT``, ``ROUND``,
``DATE``, ``YEAR``, ``MONTH``, ``DAY``, ``COUNT``, ``COUNTA``, ``SUM``, ``SUMPRODUCT``,
``MATCH`` (exact), ``TRIM``, ``CLEAN``, ``SUBSTITUTE``, ``LEN``, ``LEFT``,
``CELL("format", …)``; ranges (``D7:D11``; text functions, ``ISERROR``, ``-`` and ``&``
apply to each value of a range, as in an array formula), ``TRUE``/``FALSE``, array
constants (``{"✓","/"}``), ``&``, comparisons and arithmetic — and refuses anything else, so a
formula kpixl starts writing outside it fails loudly. It is written from Excel's documented
behaviour, independently of kpixl: ``ROUND`` keeps 15 significant digits and rounds half
away from zero on the decimal, as Excel and LibreOffice do.

Cells are a mapping of A1 references (no ``$``, no sheet) to values: ``float`` (numbers and
date serials), ``str``, ``bool``, or ``None`` for a blank cell. ``formats`` maps a reference
to its number format code as ``CELL("format", …)`` gives it (``"P2"`` for 0.00 %; ``"G"``
when absent).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

EPOCH = dt.date(1899, 12, 30)
"""Day 0 of Excel's (1900) date system, as LibreOffice and Excel count after 1 March 1900."""


def serial(day: dt.date) -> float:
    """The Excel serial number of a date."""
    return float((day - EPOCH).days)


def from_serial(number: float) -> dt.date:
    """The date of an Excel serial number."""
    return EPOCH + dt.timedelta(days=math.floor(number))


@dataclass(frozen=True)
class ExcelError:
    """An error value (``#VALUE!``, ``#N/A``, ``#DIV/0!``)."""

    code: str


VALUE = ExcelError("#VALUE!")
NA = ExcelError("#N/A")
DIV0 = ExcelError("#DIV/0!")


class _Failed(Exception):
    """An error value raised through the expression (Excel propagates errors)."""

    def __init__(self, error: ExcelError) -> None:
        super().__init__(error.code)
        self.error = error


_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)"
    r"|(?P<str>\"(?:[^\"]|\"\")*\")"
    r"|(?P<range>\$?[A-Z]{1,3}\$?[0-9]+:\$?[A-Z]{1,3}\$?[0-9]+)"
    r"|(?P<ref>\$?[A-Z]{1,3}\$?[0-9]+)(?![A-Za-z0-9(])"
    r"|(?P<name>[A-Z][A-Z0-9.]*)"
    r"|(?P<op><=|>=|<>|[<>=*/+\-(),&{}]))"
)

Context = tuple[Mapping[str, Any], Mapping[str, str]]
Node = Callable[[Context], Any]


def _tokenize(formula: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    formula = formula.rstrip()
    while pos < len(formula):
        match = _TOKEN.match(formula, pos)
        if not match or match.end() == pos:
            raise AssertionError(f"cannot read {formula[pos:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _plain(ref: str) -> str:
    return ref.replace("$", "")


def _cells_of(span: str) -> list[str]:
    first, last = (_plain(p) for p in span.split(":"))
    (c1, r1), (c2, r2) = (_split(first), _split(last))
    return [f"{_letters(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]  # row by row


def _split(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)([0-9]+)", ref)
    assert match, ref
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return column, int(match.group(2))


def _letters(column: int) -> str:
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


@dataclass(frozen=True)
class _Range:
    refs: tuple[str, ...]


def _value(value: Any) -> Any:
    if isinstance(value, ExcelError):
        raise _Failed(value)
    return value


def _number(value: Any) -> float:
    """A value in arithmetic: a blank is 0, a number is itself, text that is a number
    converts (as Excel does), anything else is #VALUE!."""
    value = _value(value)
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise _Failed(VALUE) from None
    raise _Failed(VALUE)


def _text(value: Any) -> str:
    value = _value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


def _truth(value: Any) -> bool:
    value = _value(value)
    if isinstance(value, str):
        raise _Failed(VALUE)
    return bool(_number(value))


def _compare(op: str, a: Any, b: Any) -> bool:
    a, b = _value(a), _value(b)
    # Excel orders numbers < text < booleans; a blank is 0 beside a number, "" beside text.
    if a is None:
        a = "" if isinstance(b, str) else 0.0
    if b is None:
        b = "" if isinstance(a, str) else 0.0

    def rank(v: Any) -> int:
        return 2 if isinstance(v, bool) else 1 if isinstance(v, str) else 0

    if rank(a) != rank(b):
        x: Any = rank(a)
        y: Any = rank(b)
    elif isinstance(a, str):
        x, y = a.lower(), b.lower()
    else:
        x, y = float(a), float(b)
    return {
        "<": x < y,
        "<=": x <= y,
        ">": x > y,
        ">=": x >= y,
        "=": x == y,
        "<>": x != y,
    }[op]


def excel_round(number: float, digits: int) -> float:
    """ROUND as Excel computes it: 15 significant digits, then half away from zero."""
    if number == 0 or not math.isfinite(number):
        return number
    decimal = Decimal(f"{number:.15g}")
    return float(decimal.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        out.extend(value if isinstance(value, list) else [value])
    return out


def _call(name: str, args: list[Node], context: Context) -> Any:
    if name == "IF":
        assert len(args) in (2, 3), name
        if _truth(args[0](context)):
            return args[1](context)
        return args[2](context) if len(args) == 3 else False
    if name == "ISNUMBER":
        try:
            value = args[0](context)
        except _Failed:
            return False
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "ISERROR":
        try:
            value = args[0](context)
        except _Failed:
            return True
        return _each(value, lambda v: isinstance(v, ExcelError))
    if name == "CELL":
        kind = args[0](context)
        assert kind == "format", kind
        ref = args[1]
        assert isinstance(ref, _RefNode), "CELL takes a reference"
        return context[1].get(ref.ref, "G")
    values = [a(context) for a in args]
    if name in ("AND", "OR"):
        truths = [_truth(v) for v in _flat(values) if v is not None]
        return all(truths) if name == "AND" else any(truths)
    if name == "NOT":
        return not _truth(values[0])
    if name in ("MAX", "MIN"):
        # a range gives its numbers only; a value given directly must be a number
        numbers = [
            _number(v)
            for arg in values
            for v in (arg if isinstance(arg, list) else [arg])
            if not isinstance(arg, list) or _is_number(v)
        ]
        if not numbers:
            return 0.0
        return max(numbers) if name == "MAX" else min(numbers)
    if name == "INT":
        return float(math.floor(_number(values[0])))
    if name == "ROUND":
        return excel_round(_number(values[0]), int(_number(values[1])))
    if name == "DATE":
        y, m, d = (int(_number(v)) for v in values)
        # DATE rolls months and days over, as Excel does
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
        return serial(dt.date(y, m, 1)) + d - 1
    if name in ("YEAR", "MONTH", "DAY"):
        day = from_serial(_number(values[0]))
        return float({"YEAR": day.year, "MONTH": day.month, "DAY": day.day}[name])
    if name == "COUNT":
        return float(sum(_is_number(v) for v in _flat(values)))
    if name == "COUNTA":
        return float(sum(v is not None for v in _flat(values)))
    if name == "SUM":
        return sum(_number(v) for v in _flat(values) if _is_number(v))
    if name == "SUMPRODUCT":
        arrays = [v if isinstance(v, list) else [v] for v in values]
        assert len({len(a) for a in arrays}) == 1, "SUMPRODUCT of ranges of one size"
        total = 0.0
        for row in zip(*arrays, strict=True):
            product = 1.0
            for v in row:
                product *= _number(v) if _is_number(v) else 0.0
            total += product
        return total
    if name == "MATCH":
        wanted, within, how = values
        assert _number(how) == 0, "only exact MATCH"
        for position, candidate in enumerate(within, 1):
            if type(candidate) is type(wanted) and _compare("=", candidate, wanted):
                return float(position)
        raise _Failed(NA)
    if name == "TRIM":
        return _each(values[0], lambda v: re.sub(" +", " ", _text(v)).strip(" "))
    if name == "CLEAN":
        # removes the 7-bit non-printing characters (codes 0-31), as Excel documents
        return _each(values[0], lambda v: re.sub("[\x00-\x1f]", "", _text(v)))
    if name == "SUBSTITUTE":
        old, new = _text(values[1]), _text(values[2])
        return _each(values[0], lambda v: _text(v).replace(old, new))
    if name == "LEN":
        return _each(values[0], lambda v: float(len(_text(v))))
    if name == "LEFT":
        count = int(_number(values[1])) if len(values) > 1 else 1
        return _text(values[0])[:count]
    raise AssertionError(f"function {name} is outside the tested formula subset")


def _each(value: Any, function: Callable[[Any], Any]) -> Any:
    """A function of one value applied to each value of a range (an array formula, as
    inside SUMPRODUCT), or to one value."""
    return [function(v) for v in value] if isinstance(value, list) else function(value)


def _joined(a: Any, b: Any) -> Any:
    """``a & b``, value by value when one side is a range."""
    if isinstance(a, list) or isinstance(b, list):
        n = len(a) if isinstance(a, list) else len(b)
        left = a if isinstance(a, list) else [a] * n
        right = b if isinstance(b, list) else [b] * n
        return [_text(x) + _text(y) for x, y in zip(left, right, strict=True)]
    return _text(a) + _text(b)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class _RefNode:
    ref: str

    def __call__(self, context: Context) -> Any:
        return context[0].get(self.ref)


class _Parser:
    """Recursive descent over the subset; precedence as Excel: comparison < & < + - < * /
    < unary minus."""

    def __init__(self, formula: str) -> None:
        self.tokens = _tokenize(formula)
        self.pos = 0

    def parse(self) -> Node:
        node = self.comparison()
        assert self.pos == len(self.tokens), self.tokens[self.pos :]
        return node

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("", "")

    def take(self, text: str | None = None) -> tuple[str, str]:
        token = self.peek()
        assert token != ("", ""), "unexpected end of formula"
        assert text is None or token[1] == text, (token, text)
        self.pos += 1
        return token

    def comparison(self) -> Node:
        left = self.concatenation()
        if self.peek()[0] == "op" and self.peek()[1] in ("<", "<=", ">", ">=", "=", "<>"):
            op = self.take()[1]
            right = self.concatenation()
            return lambda c: _compare(op, left(c), right(c))
        return left

    def concatenation(self) -> Node:
        node = self.additive()
        while self.peek() == ("op", "&"):
            self.take()
            left, right = node, self.additive()
            node = lambda c, a=left, b=right: _joined(a(c), b(c))  # noqa: E731
        return node

    def additive(self) -> Node:
        node = self.term()
        while self.peek()[0] == "op" and self.peek()[1] in ("+", "-"):
            op, left, right = self.take()[1], node, self.term()
            if op == "+":
                node = lambda c, a=left, b=right: _number(a(c)) + _number(b(c))  # noqa: E731
            else:
                node = lambda c, a=left, b=right: _number(a(c)) - _number(b(c))  # noqa: E731
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/"):
            op, left, right = self.take()[1], node, self.unary()
            node = _product(op, left, right)
        return node

    def unary(self) -> Node:
        if self.peek() == ("op", "-"):
            self.take()
            inner = self.unary()
            return lambda c: _each(inner(c), lambda v: -_number(v))
        return self.primary()

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            number = float(text)
            return lambda c: number
        if kind == "str":
            string = text[1:-1].replace('""', '"')
            return lambda c: string
        if kind == "ref":
            return _RefNode(_plain(text))
        if kind == "range":
            refs = _cells_of(text)
            return lambda c: [c[0].get(r) for r in refs]
        if (kind, text) == ("op", "("):
            node = self.comparison()
            self.take(")")
            return node
        if (kind, text) == ("op", "{"):
            items: list[Node] = [self.comparison()]
            while self.peek() == ("op", ","):
                self.take(",")
                items.append(self.comparison())
            self.take("}")
            return lambda c: [item(c) for item in items]
        if kind == "name" and text in ("TRUE", "FALSE") and self.peek() != ("op", "("):
            truth = text == "TRUE"
            return lambda c: truth
        if kind == "name" and self.peek() == ("op", "("):
            self.take("(")
            args: list[Node] = []
            if self.peek() != ("op", ")"):
                args.append(self.comparison())
                while self.peek() == ("op", ","):
                    self.take(",")
                    args.append(self.comparison())
            self.take(")")
            return lambda c: _call(text, args, c)
        raise AssertionError(f"unexpected token {text!r}")


def _product(op: str, left: Node, right: Node) -> Node:
    def node(c: Context) -> Any:
        a, b = _number(left(c)), _number(right(c))
        if op == "*":
            return a * b
        if b == 0:
            raise _Failed(DIV0)
        return a / b

    return node


def evaluate(
    formula: str, cells: Mapping[str, Any], formats: Mapping[str, str] | None = None
) -> Any:
    """The value of a formula (with or without its ``=``) given the cells it refers to; an
    error value is returned as an :class:`ExcelError`."""
    node = _Parser(formula.removeprefix("=")).parse()
    try:
        value = node((cells, formats or {}))
    except _Failed as failed:
        return failed.error
    return None if isinstance(value, list) else value


def evaluate_sheet(
    formulas: Mapping[str, str],
    cells: Mapping[str, Any],
    formats: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every formula cell's value, in the order given (later formulas see earlier ones), as
    a sheet with ``cells`` typed in it."""
    values = dict(cells)
    for ref, formula in formulas.items():
        values[ref] = evaluate(formula, values, formats)
    return values
