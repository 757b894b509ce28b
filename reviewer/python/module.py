"""One parsed Python file and the indexes every Python rule shares, built in a single walk.

Rules should read these indexes rather than walk the tree again: the walk is the
engine's main cost after parsing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewer.config import ReviewConfig
    from reviewer.files import FileKind

# Nodes without children worth visiting: the walk records their parent and stops.
LEAVES = (ast.Name, ast.Constant, ast.expr_context, ast.boolop, ast.operator, ast.unaryop,
          ast.cmpop, ast.alias, ast.Pass, ast.Break, ast.Continue)
NOT_NODES = frozenset({"ctx", "id", "arg", "attr", "name", "module", "level", "kind",
                       "type_comment", "conversion", "is_async", "op", "ops"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp,
         ast.GeneratorExp)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(slots=True, eq=False)
class FunctionInfo:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str
    class_name: str | None
    # Resolved dotted names of the decorators; for `@router.get("/x")` that is `router.get`.
    decorators: list[str]
    decorator_calls: list[ast.Call]
    parent: FunctionInfo | None = None
    calls: list[CallSite] = field(default_factory=list)

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def name(self) -> str:
        return self.node.name

    def parameter_names(self) -> list[str]:
        args = self.node.args
        return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


@dataclass(slots=True, eq=False)
class CallSite:
    node: ast.Call
    # Dotted name of the callee with import aliases resolved: `r.get` after
    # `import requests as r` is `requests.get`; `cur.execute` stays `cur.execute`.
    name: str
    scope: str
    function: FunctionInfo | None
    # The innermost loop around the call inside the same function, if any.
    loop: ast.AST | None

    @property
    def attr(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def receiver(self) -> str:
        return self.name.rpartition(".")[0]

    def keyword(self, name: str) -> ast.keyword | None:
        return next((kw for kw in self.node.keywords if kw.arg == name), None)

    @property
    def has_star_kwargs(self) -> bool:
        return any(kw.arg is None for kw in self.node.keywords)

    def argument(self, position: int, name: str) -> ast.expr | None:
        keyword = self.keyword(name)
        if keyword is not None:
            return keyword.value
        args = self.node.args
        if position < len(args) and not any(
            isinstance(a, ast.Starred) for a in args[: position + 1]
        ):
            return args[position]
        return None


@dataclass(slots=True)
class PythonModule:
    source: str
    tree: ast.Module
    lines: list[str]
    kind: FileKind | None = None
    config: ReviewConfig | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    calls: list[CallSite] = field(default_factory=list)
    functions: list[FunctionInfo] = field(default_factory=list)
    classes: list[ast.ClassDef] = field(default_factory=list)
    dicts: list[ast.Dict] = field(default_factory=list)
    handlers: list[ast.ExceptHandler] = field(default_factory=list)
    # Per enclosing function node (None for module level): name -> value nodes assigned.
    assignments: dict[ast.AST | None, dict[str, list[ast.expr]]] = field(default_factory=dict)
    # Every node's parent, by id(); see `parent()` and `ancestors()`.
    _parents: dict[int, ast.AST] = field(default_factory=dict)
    _function_infos: dict[int, FunctionInfo] = field(default_factory=dict)
    _segment_lines: list[str] | None = None

    @classmethod
    def parse(cls, source: str, kind: FileKind | None = None,
              config: ReviewConfig | None = None) -> PythonModule:
        tree = ast.parse(source)
        module = cls(source=source, tree=tree, lines=source.splitlines(), kind=kind,
                     config=config)
        _Indexer(module).run()
        return module

    def settings(self, rule_id: str, defaults: dict) -> dict:
        if self.config is None:
            return defaults
        return self.config.rule_settings(rule_id, defaults)

    def resolve(self, node: ast.expr) -> str:
        name = dotted_name(node)
        if not name:
            return ""
        head, _, rest = name.partition(".")
        if head in self.aliases:
            head = self.aliases[head]
        return f"{head}.{rest}" if rest else head

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self._parents.get(id(node))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        current = self._parents.get(id(node))
        while current is not None:
            yield current
            current = self._parents.get(id(current))

    def enclosing_statement(self, node: ast.AST) -> ast.stmt:
        current: ast.AST = node
        while not isinstance(current, ast.stmt):
            parent = self.parent(current)
            if parent is None:
                break
            current = parent
        return current  # type: ignore[return-value]

    def assigned_values(self, function: FunctionInfo | ast.AST | None, name: str) -> list[ast.expr]:
        key = function.node if isinstance(function, FunctionInfo) else function
        return self.assignments.get(key, {}).get(name, [])

    def code(self, node: ast.AST) -> str:
        """The node's source, whitespace-normalized: the stable part of a fingerprint.

        Same result as ast.get_source_segment, without re-splitting the file on each call.
        """
        try:
            first, last = node.lineno - 1, node.end_lineno - 1
            start, end = node.col_offset, node.end_col_offset
        except AttributeError:
            return ""
        if end is None or last is None:
            return ""
        lines = self._segment_lines
        if lines is None:
            lines = self._segment_lines = _split_no_ff(self.source)
        if first == last:
            segment = lines[first].encode()[start:end].decode("utf-8", "replace")
        else:
            parts = [lines[first].encode()[start:].decode("utf-8", "replace")]
            parts.extend(lines[first + 1:last])
            parts.append(lines[last].encode()[:end].decode("utf-8", "replace"))
            segment = "".join(parts)
        return " ".join(segment.split())

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def function_at(self, node: ast.AST) -> FunctionInfo | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, FUNCTIONS):
                return self._function_infos.get(id(ancestor))
        return None

    def imports(self, module_prefix: str) -> bool:
        """True when the file imports `module_prefix` or something under it."""
        return any(
            target == module_prefix or target.startswith(module_prefix + ".")
            for target in self.aliases.values()
        )


def _split_no_ff(source: str) -> list[str]:
    """Lines as the parser counts them (only \\r, \\n and \\r\\n end a line), ends kept."""
    import re

    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n|$)", source)


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


class _Indexer:
    """One recursive walk: parents, scopes, functions, calls, loops, assignments, imports."""

    def __init__(self, module: PythonModule) -> None:
        self.module = module
        self.scopes: list[str] = []
        self.functions: list[FunctionInfo] = []
        self.loops: list[ast.AST | None] = [None]
        self.class_names: list[str] = []

    def run(self) -> None:
        self.visit(self.module.tree)

    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        method = _DISPATCH.get(kind, _MISSING)
        if method is _MISSING:
            method = _DISPATCH[kind] = getattr(_Indexer, f"visit_{kind.__name__}", None)
        if method is not None:
            method(self, node)
        else:
            self.children(node)

    def children(self, node: ast.AST) -> None:
        # The hottest loop of the engine: a hand-rolled ast.iter_child_nodes that skips
        # fields which never hold nodes and does not descend into leaves.
        parents = self.module._parents
        fields = _CHILD_FIELDS.get(type(node))
        if fields is None:
            fields = _CHILD_FIELDS[type(node)] = tuple(
                f for f in node._fields if f not in NOT_NODES)
        for name in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            for item in value if type(value) is list else (value,):
                if not isinstance(item, ast.AST):
                    continue
                parents[id(item)] = node
                if isinstance(item, LEAVES):
                    continue
                kind = type(item)
                method = _DISPATCH.get(kind, _MISSING)
                if method is _MISSING:
                    method = _DISPATCH[kind] = getattr(_Indexer, f"visit_{kind.__name__}", None)
                if method is None:
                    self.children(item)
                else:
                    method(self, item)

    def visit_Dict(self, node: ast.Dict) -> None:
        self.module.dicts.append(node)
        self.children(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.module.aliases[alias.asname] = alias.name
            else:
                head = alias.name.split(".", 1)[0]
                self.module.aliases.setdefault(head, head)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module is None or node.level:
            for alias in node.names:  # relative imports: keep the local name resolvable
                self.module.aliases.setdefault(alias.asname or alias.name, alias.name)
            return
        for alias in node.names:
            self.module.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        parents = self.module._parents
        for decorator in node.decorator_list:
            parents[id(decorator)] = node
            self.visit(decorator)
        for default in (*node.args.defaults, *[d for d in node.args.kw_defaults if d]):
            parents[id(default)] = node.args
        parents[id(node.args)] = node
        for default in (*node.args.defaults, *[d for d in node.args.kw_defaults if d]):
            self.visit(default)
        decorators, decorator_calls = [], []
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            decorators.append(self.module.resolve(target))
            if isinstance(decorator, ast.Call):
                decorator_calls.append(decorator)
        info = FunctionInfo(
            node=node,
            qualname=".".join([*self.scopes, node.name]),
            class_name=self.class_names[-1] if self.class_names and self._direct_method(node)
            else None,
            decorators=decorators,
            decorator_calls=decorator_calls,
            parent=self.functions[-1] if self.functions else None,
        )
        self.module.functions.append(info)
        self.module._function_infos[id(node)] = info
        self.scopes.append(node.name)
        self.functions.append(info)
        self.loops.append(None)
        for statement in node.body:
            parents[id(statement)] = node
            self.visit(statement)
        if node.returns is not None:
            parents[id(node.returns)] = node
        self.loops.pop()
        self.functions.pop()
        self.scopes.pop()

    def _direct_method(self, node: ast.AST) -> bool:
        return isinstance(self.module._parents.get(id(node)), ast.ClassDef)

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.children(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.module.classes.append(node)
        self.scopes.append(node.name)
        self.class_names.append(node.name)
        self.children(node)
        self.class_names.pop()
        self.scopes.pop()

    def _visit_loop(self, node: ast.AST) -> None:
        self.loops.append(node)
        self.children(node)
        self.loops.pop()

    visit_For = visit_AsyncFor = visit_While = _visit_loop
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_loop

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self.module.handlers.append(node)
        self.children(node)

    def _record(self, target: ast.expr, value: ast.expr) -> None:
        function = self.functions[-1].node if self.functions else None
        if isinstance(target, ast.Name):
            names = self.module.assignments.setdefault(function, {})
            names.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            names = self.module.assignments.setdefault(function, {})
            names.setdefault(f"{target.value.id}.{target.attr}", []).append(value)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._record(target, node.value)
        self.children(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._record(node.target, node.value)
        self.children(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        # `query += f"... {x}"` makes the name dynamic just like a fresh assignment.
        combined = ast.BinOp(left=node.target, op=node.op, right=node.value)
        ast.copy_location(combined, node)
        self._record(node.target, combined)
        self.children(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._record(node.target, node.value)
        self.children(node)

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._record(node.optional_vars, node.context_expr)
        self.children(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = self.functions[-1] if self.functions else None
        site = CallSite(
            node=node,
            name=self.module.resolve(node.func),
            scope=".".join(self.scopes),
            function=function,
            loop=self.loops[-1],
        )
        self.module.calls.append(site)
        if function is not None:
            function.calls.append(site)
        self.children(node)


_MISSING = object()
_DISPATCH: dict[type, object] = {}
