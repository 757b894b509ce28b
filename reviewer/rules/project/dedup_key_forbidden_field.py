from __future__ import annotations

import ast
from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule

# Django and SQLAlchemy query methods whose arguments select rows.
LOOKUPS = frozenset({
    "filter", "get", "exclude", "get_or_create", "update_or_create", "filter_by", "where",
    "aget", "aget_or_create", "aupdate_or_create",
})
LOOKUP_SUFFIXES = ("", "__exact", "__iexact", "__in")
UPSERTS = frozenset({"on_conflict_do_update", "on_conflict_do_nothing"})
COLUMN_FACTORIES = frozenset({"Column", "mapped_column"})


class DedupKeyForbiddenField(Rule):
    id = "dedup-key-forbidden-field"
    title = "Pages deduplicated on content hash instead of page identity"
    severity = Severity.HIGH
    category = Category.DATA
    cwe = 694
    languages = ("python",)
    rationale = (
        "Two different pages can have identical content (blank pages, templates, copies): "
        "looking pages up, upserting or declaring uniqueness on the content hash merges them "
        "into one row, so a sync overwrites or drops the other page. The page identity is "
        "the page's UUID; the hash only says whether its content changed."
    )
    fix = (
        "Key lookups, upserts and unique constraints on `page_uuid`; compare `content_hash` "
        "only to decide whether a page changed."
    )
    example = Example(
        before="page = Page.objects.filter(content_hash=digest).first()",
        after="page = Page.objects.filter(page_uuid=page_uuid).first()",
    )
    skip_roles = ("test",)
    settings = {"forbidden_key": "content_hash", "required_key": "page_uuid"}

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        config = module.settings(self.id, self.settings)
        forbidden = str(config.get("forbidden_key", "content_hash"))
        required = str(config.get("required_key", "page_uuid"))
        if not forbidden or forbidden not in module.source:
            return
        keys = _Keys(module, forbidden, required)
        for call in module.calls:
            what = None
            if call.attr in LOOKUPS and "." in call.name:
                if keys.lookup_uses_forbidden(call.node) and not keys.chain_has_required(call):
                    what = f"`.{call.attr}()` looks pages up by `{forbidden}`"
            elif call.attr in UPSERTS:
                if keys.upsert_on_forbidden(call):
                    what = f"`.{call.attr}()` resolves conflicts on `{forbidden}`"
            elif call.attr == "bulk_create":
                fields = call.keyword("unique_fields")
                if fields is not None and keys.columns_forbidden(keys.elements(fields.value)):
                    what = f"`bulk_create(unique_fields=...)` upserts on `{forbidden}`"
            elif call.attr == "UniqueConstraint" or (call.attr == "Index" and _unique(call)):
                columns = list(call.node.args[1:] if call.attr == "Index" else call.node.args)
                fields = call.keyword("fields") or call.keyword("columns")
                if fields is not None:
                    columns.extend(keys.elements(fields.value))
                if keys.columns_forbidden(columns):
                    what = f"`{call.attr}` makes `{forbidden}` unique"
            elif _unique(call) and keys.unique_column(call):
                what = f"the `{forbidden}` column is declared `unique=True`"
            if what:
                yield Match(
                    rule_id=self.id,
                    line=call.node.lineno,
                    end_line=call.node.end_lineno or call.node.lineno,
                    message=(
                        f"{what}: pages with identical content collapse into one row. "
                        f"Key it on `{required}`; use `{forbidden}` only for change detection."
                    ),
                    code=module.code(call.node),
                    scope=call.scope,
                )


def _unique(call: CallSite) -> bool:
    keyword = call.keyword("unique")
    return keyword is not None and isinstance(keyword.value, ast.Constant) and (
        keyword.value.value is True
    )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class _Keys:
    def __init__(self, module: PythonModule, forbidden: str, required: str) -> None:
        self.module = module
        self.forbidden = forbidden
        self.required = required

    def _is_key(self, name: str | None, key: str) -> bool:
        return name is not None and any(name == key + s for s in LOOKUP_SUFFIXES)

    def _names_column(self, node: ast.expr, key: str) -> bool:
        """`"content_hash"`, `Page.content_hash`, `pages.c.content_hash`, `content_hash`."""
        if isinstance(node, ast.Constant):
            return node.value == key
        if isinstance(node, ast.Attribute):
            return node.attr == key
        if isinstance(node, ast.Name):
            return node.id == key
        return False

    def _keyed(self, keywords: list[ast.keyword]) -> bool:
        """`content_hash=x` / `content_hash__in=xs`, not the null check `content_hash=None`."""
        return any(self._is_key(kw.arg, self.forbidden) and not _is_none(kw.value)
                   for kw in keywords)

    def lookup_uses_forbidden(self, call: ast.Call) -> bool:
        if self._keyed(call.keywords):
            return True
        for argument in call.args:
            for node in ast.walk(argument):
                if isinstance(node, ast.Compare) and all(
                    isinstance(op, (ast.Eq, ast.In)) for op in node.ops
                ):
                    sides = [node.left, *node.comparators]
                    if any(isinstance(s, ast.Attribute) and s.attr == self.forbidden
                           for s in sides) and not any(_is_none(s) for s in sides):
                        return True
                elif isinstance(node, ast.Call):
                    func = node.func
                    if (isinstance(func, ast.Attribute) and func.attr == "in_"
                            and isinstance(func.value, ast.Attribute)
                            and func.value.attr == self.forbidden):
                        return True
                    if self._keyed(node.keywords):
                        return True  # Q(content_hash=...)
        return False

    def _mentions_required(self, call: ast.Call) -> bool:
        if any(self._is_key(kw.arg, self.required) for kw in call.keywords):
            return True
        for argument in call.args:
            for node in ast.walk(argument):
                if isinstance(node, ast.Attribute) and node.attr == self.required:
                    return True
                if isinstance(node, ast.keyword) and self._is_key(node.arg, self.required):
                    return True
        return False

    def chain_has_required(self, site: CallSite) -> bool:
        """The query this lookup belongs to also selects on the page identity, anywhere in
        its method chain or in the earlier statements that built it (`q = q.where(...)`)."""
        top: ast.AST = site.node
        while True:
            parent = self.module.parent(top)
            grand = self.module.parent(parent) if parent is not None else None
            if isinstance(parent, ast.Attribute) and isinstance(grand, ast.Call) and (
                grand.func is parent
            ):
                top = grand
            else:
                break
        return self._chain_required(top, depth=3, site=site)

    def _chain_required(self, node: ast.AST, depth: int, site: CallSite) -> bool:
        while True:
            if isinstance(node, ast.Await):
                node = node.value
            if isinstance(node, ast.Call):
                if self._mentions_required(node):
                    return True
                node = node.func
            elif isinstance(node, ast.Attribute):
                node = node.value
            elif isinstance(node, ast.Name) and depth > 0 and site.function is not None:
                values = [v for v in self.module.assigned_values(site.function, node.id)
                          if v.lineno < site.node.lineno]
                return any(self._chain_required(v, depth - 1, site) for v in values)
            else:
                return False

    def elements(self, node: ast.expr) -> list[ast.expr]:
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return list(node.elts)
        return [node]

    def columns_forbidden(self, columns: list[ast.expr]) -> bool:
        return any(self._names_column(c, self.forbidden) for c in columns) and not any(
            self._names_column(c, self.required) for c in columns
        )

    def upsert_on_forbidden(self, site: CallSite) -> bool:
        index = site.keyword("index_elements")
        if index is not None and self.columns_forbidden(self.elements(index.value)):
            return True
        constraint = site.keyword("constraint")
        if constraint is not None and isinstance(constraint.value, ast.Constant):
            name = str(constraint.value.value)
            return self.forbidden in name and self.required not in name
        return False

    def unique_column(self, site: CallSite) -> bool:
        """`content_hash = Column(..., unique=True)` in a model, or
        `Column("content_hash", ..., unique=True)` in a Table."""
        args = site.node.args
        if site.attr in COLUMN_FACTORIES and args and self._names_column(args[0], self.forbidden):
            return isinstance(args[0], ast.Constant)
        statement = self.module.enclosing_statement(site.node)
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        else:
            return False
        if statement.value is not site.node:
            return False
        owner = self.module.parent(statement)
        if not isinstance(owner, ast.ClassDef):
            return False
        return any(isinstance(t, ast.Name) and t.id == self.forbidden for t in targets)
