"""One parsed Python file and the indexes every Python rule shares, built in a single walk."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass(slots=True)
class CallSite:
    node: ast.Call
    # Dotted name of the callee with import aliases resolved: `r.get` after
    # `import requests as r` is `requests.get`; `cur.execute` stays `cur.execute`.
    name: str
    scope: str
    function: ast.FunctionDef | ast.AsyncFunctionDef | None

    @property
    def attr(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def keyword(self, name: str) -> ast.keyword | None:
        return next((kw for kw in self.node.keywords if kw.arg == name), None)

    @property
    def has_star_kwargs(self) -> bool:
        return any(kw.arg is None for kw in self.node.keywords)


@dataclass(slots=True)
class PythonModule:
    source: str
    tree: ast.Module
    lines: list[str]
    aliases: dict[str, str] = field(default_factory=dict)
    calls: list[CallSite] = field(default_factory=list)
    # Per enclosing function (None for module level): name -> value nodes assigned to it.
    assignments: dict[ast.AST | None, dict[str, list[ast.expr]]] = field(default_factory=dict)

    @classmethod
    def parse(cls, source: str) -> PythonModule:
        tree = ast.parse(source)
        module = cls(source=source, tree=tree, lines=source.splitlines())
        _Indexer(module).visit(tree)
        return module

    def resolve(self, node: ast.expr) -> str:
        name = dotted_name(node)
        if not name:
            return ""
        head, _, rest = name.partition(".")
        if head in self.aliases:
            head = self.aliases[head]
        return f"{head}.{rest}" if rest else head

    def assigned_values(self, function: ast.AST | None, name: str) -> list[ast.expr]:
        return self.assignments.get(function, {}).get(name, [])

    def code(self, node: ast.AST) -> str:
        """The statement's source, whitespace-normalized: the stable part of a fingerprint."""
        segment = ast.get_source_segment(self.source, node) or ""
        return " ".join(segment.split())


def dotted_name(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        inner = dotted_name(node.func)
        if not inner:
            return ""
        parts.append(inner + "()")
    else:
        return ""
    return ".".join(reversed(parts))


class _Indexer(ast.NodeVisitor):
    def __init__(self, module: PythonModule) -> None:
        self.module = module
        self.scopes: list[str] = []
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.module.aliases[alias.asname] = alias.name
            else:
                head = alias.name.split(".", 1)[0]
                self.module.aliases.setdefault(head, head)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module is None or node.level:
            return
        for alias in node.names:
            self.module.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _visit_scope(self, node, is_function: bool) -> None:
        self.scopes.append(node.name)
        if is_function:
            self.functions.append(node)
        self.generic_visit(node)
        if is_function:
            self.functions.pop()
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_scope(node, is_function=True)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_scope(node, is_function=True)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_scope(node, is_function=False)

    def _record(self, target: ast.expr, value: ast.expr) -> None:
        function = self.functions[-1] if self.functions else None
        if isinstance(target, ast.Name):
            names = self.module.assignments.setdefault(function, {})
            names.setdefault(target.id, []).append(value)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._record(target, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._record(node.target, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        # `query += f"... {x}"` makes the name dynamic just like a fresh assignment.
        combined = ast.BinOp(left=node.target, op=node.op, right=node.value)
        ast.copy_location(combined, node)
        combined.end_lineno, combined.end_col_offset = node.end_lineno, node.end_col_offset
        self._record(node.target, combined)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.module.calls.append(
            CallSite(
                node=node,
                name=self.module.resolve(node.func),
                scope=".".join(self.scopes),
                function=self.functions[-1] if self.functions else None,
            )
        )
        self.generic_visit(node)
