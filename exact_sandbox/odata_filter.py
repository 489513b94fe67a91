"""``$filter`` (OData v2 as Exact speaks it) -> a SQLite condition over the store's rows.

odata-query parses OData v4, so Exact's v2 literals are rewritten first (outside string literals):
``guid'…'`` -> a bare GUID, ``datetime'…'`` -> a marked string, ``123L`` -> ``123``,
``substringof(a, F)``
-> ``contains(F, a)``. The AST is then translated to SQL so every filter runs inside SQLite (indexes
on the
key and Timestamp columns; ``json_extract`` for the rest). String comparisons ignore case, as
Exact's
SQL Server collation does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser

from .edm import INT_TYPES, local_literal_ms

_DT_MARK = "\x00dt\x00"
_PREFIX = r"\b(?:guid|datetime|datetimeoffset|time|X|binary)(?=')"
_TOKENS = re.compile(
    rf"(?P<str>(?P<prefix>{_PREFIX})?'(?:[^']|'')*')|(?P<other>(?:(?!{_PREFIX})[^'])+)",
    re.IGNORECASE,
)


class FilterError(ValueError):
    """A $filter Exact would refuse (400)."""


@dataclass
class SqlFilter:
    sql: str
    params: list[Any] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)
    # (field, operator, literal) of each comparison, for rules such as "only Timestamp gt" on sync
    comparisons: list[tuple[str, str, Any]] = field(default_factory=list)
    has_other: bool = False  # functions, or/not: anything but a conjunction of plain comparisons


def rewrite_v2(text: str) -> str:
    out = []
    pos = 0
    for m in _TOKENS.finditer(text):
        if m.start() != pos:
            raise FilterError("Unterminated string literal in $filter")
        pos = m.end()
        if m.group("other") is not None:
            part = re.sub(r"\b(\d+)[Ll]\b", r"\1", m.group("other"))
            part = re.sub(r"\b(\d+(?:\.\d+)?)[MmDdFf]\b", r"\1", part)
            part = re.sub(r"\bsubstringof\s*\(", "__substringof(", part, flags=re.IGNORECASE)
            out.append(part)
            continue
        literal = m.group("str")
        prefix = (m.group("prefix") or "").lower()
        body = literal[len(prefix) + 1 : -1] if prefix else literal[1:-1]
        if prefix == "guid":
            out.append(body.replace("''", "'"))
        elif prefix in ("datetime", "datetimeoffset"):
            out.append("'" + _DT_MARK + body + "'")
        elif prefix:
            raise FilterError(f"Literals of type {prefix} are not supported")
        else:
            out.append(literal)
    if pos != len(text):
        raise FilterError("Unterminated string literal in $filter")
    return "".join(out).replace("__substringof(", "contains(")


_lexer = ODataLexer()
_parser = ODataParser()


def parse(text: str) -> ast._Node:
    try:
        return _parser.parse(_lexer.tokenize(rewrite_v2(text)))
    except ODataException as exc:
        raise FilterError(f"The $filter could not be parsed: {exc}") from exc
    except Exception as exc:  # sly raises plain errors on some input
        raise FilterError(f"The $filter could not be parsed: {exc}") from exc


_OPS = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge"}
_SQL_OPS = {"eq": "IS", "ne": "IS NOT", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class _Translator:
    def __init__(self, types: dict[str, str], column: Callable[[str], str]) -> None:
        self.types = types
        self.column = column
        self.out = SqlFilter("")

    def cond(self, node: ast._Node) -> str:
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.Or):
                self.out.has_other = True
            op = "AND" if isinstance(node.op, ast.And) else "OR"
            return f"({self.cond(node.left)} {op} {self.cond(node.right)})"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.out.has_other = True
            return f"(NOT {self.cond(node.operand)})"
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            self.out.has_other = True
            return self.bool_call(node)
        if isinstance(node, ast.Identifier):
            return f"({self.value(node)[0]} = 1)"
        raise FilterError("The $filter is not a condition")

    def compare(self, node: ast.Compare) -> str:
        op = _OPS.get(type(node.comparator))
        if op is None:
            raise FilterError("Operator not supported in $filter")
        left, right = node.left, node.right
        if isinstance(left, ast._Literal) and not isinstance(right, ast._Literal):
            left, right = right, left
            op = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}.get(op, op)
        ltype = self.type_of(left)
        lsql, lstring = self.value(left)
        if isinstance(right, ast._Literal):
            literal = self.literal(right, ltype)
            if isinstance(left, ast.Identifier):
                self.out.comparisons.append((left.name, op, literal))
            else:
                self.out.has_other = True
            if literal is None:
                return (
                    f"({lsql} {'IS' if op == 'eq' else 'IS NOT'} NULL)"
                    if op in ("eq", "ne")
                    else "0"
                )
            self.out.params.append(literal)
            rsql, rstring = "?", isinstance(literal, str)
        else:
            self.out.has_other = True
            rsql, rstring = self.value(right)
        collate = " COLLATE NOCASE" if (lstring or rstring) else ""
        if op in ("eq", "ne"):
            return f"({lsql}{collate} {_SQL_OPS[op]} {rsql})"
        # ordering comparisons never match null, as in SQL Server
        return f"({lsql}{collate} {_SQL_OPS[op]} {rsql})"

    def type_of(self, node: ast._Node) -> str | None:
        if isinstance(node, ast.Identifier):
            return self.field_type(node.name)
        if isinstance(node, ast.Call):
            name = node.func.name.lower()
            if name in ("length", "indexof", "year", "month", "day", "hour", "minute", "second"):
                return "Edm.Int32"
            return "Edm.String"
        return None

    def field_type(self, name: str) -> str:
        edm = self.types.get(name)
        if edm is None:
            raise FilterError(f"No property '{name}' exists in type")
        self.out.fields.add(name)
        return edm

    def value(self, node: ast._Node) -> tuple[str, bool]:
        """SQL expression and whether it is a string."""
        if isinstance(node, ast.Identifier):
            edm = self.field_type(node.name)
            return self.column(node.name), edm == "Edm.String"
        if isinstance(node, ast.Call):
            name = node.func.name.lower()
            args = [
                self.value(a)[0] if not isinstance(a, ast._Literal) else self.param(a)
                for a in node.args
            ]
            simple = {"trim": "trim", "tolower": "lower", "toupper": "upper", "length": "length"}
            if name in simple and len(args) == 1:
                return f"{simple[name]}({args[0]})", name != "length"
            if name == "substring" and len(args) in (2, 3):
                extra = f", {args[2]}" if len(args) == 3 else ""
                return f"substr({args[0]}, ({args[1]}) + 1{extra})", True
            if name == "indexof" and len(args) == 2:
                return f"(instr(lower({args[0]}), lower({args[1]})) - 1)", False
            raise FilterError(f"Function {node.func.name} is not supported in $filter")
        if isinstance(node, ast._Literal):
            return self.param(node), isinstance(node, ast.String)
        raise FilterError("Expression not supported in $filter")

    def param(self, node: ast._Literal) -> str:
        self.out.params.append(self.literal(node, None))
        return "?"

    def bool_call(self, node: ast.Call) -> str:
        name = node.func.name.lower()
        if len(node.args) != 2:
            raise FilterError(f"Function {node.func.name} takes two arguments")
        a, b = node.args
        if name == "contains":
            # substringof('ab', Description) arrives as contains('ab', Description): the field is
            # the haystack
            if isinstance(a, ast._Literal) and not isinstance(b, ast._Literal):
                a, b = b, a
            hay, needle = self.value(a)[0], self.value(b)[0]
            return f"(instr(lower({hay}), lower({needle})) > 0)"
        if name in ("startswith", "endswith"):
            hay, needle = self.value(a)[0], self.value(b)[0]
            if name == "startswith":
                return f"(lower(substr({hay}, 1, length({needle}))) = lower({needle}))"
            return f"(lower(substr({hay}, -length({needle}))) = lower({needle}))"
        raise FilterError(f"Function {node.func.name} is not supported in $filter")

    def literal(self, node: ast._Literal, edm: str | None) -> Any:
        if isinstance(node, ast.Null):
            return None
        if isinstance(node, ast.Boolean):
            return 1 if node.val.lower() == "true" else 0
        if isinstance(node, ast.GUID):
            return node.val.lower()
        if isinstance(node, ast.Integer):
            return int(node.val)
        if isinstance(node, ast.Float):
            return float(node.val)
        if isinstance(node, ast.String):
            val = node.val
            if val.startswith(_DT_MARK):
                try:
                    return local_literal_ms(val[len(_DT_MARK) :])
                except ValueError as exc:
                    raise FilterError(f"Invalid datetime literal '{val[len(_DT_MARK) :]}'") from exc
            if edm in INT_TYPES or edm in ("Edm.Double", "Edm.DateTime", "Edm.Guid", "Edm.Boolean"):
                raise FilterError(f"A string literal cannot be compared with a {edm} property")
            return val
        if isinstance(node, (ast.DateTime, ast.Date)):
            return local_literal_ms(node.val)
        raise FilterError("Literal type not supported in $filter")


def to_sql(text: str, types: dict[str, str], column: Callable[[str], str]) -> SqlFilter:
    """Translate a $filter for fields ``types`` (name -> Edm type); ``column(name)`` gives its
    SQL."""
    node = parse(text)
    tr = _Translator(types, column)
    tr.out.sql = tr.cond(node)
    return tr.out
