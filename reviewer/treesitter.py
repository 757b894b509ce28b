"""JavaScript, TypeScript and Go files as syntax trees (tree-sitter), with the shared indexes
their rules read. Grammars come from the per-language wheels; nothing is downloaded.

Rules query the tree with tree-sitter queries (run in C) and walk parents for context;
`TreeModule.calls` is the call index every rule shares, built by one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from tree_sitter import Language, Node, Parser, Query, QueryCursor

if TYPE_CHECKING:
    from reviewer.config import ReviewConfig
    from reviewer.files import FileKind

TREE_LANGUAGES = ("javascript", "typescript", "go")
DISPLAY = {"javascript": "JavaScript", "typescript": "TypeScript", "tsx": "TSX", "go": "Go"}

FUNCTION_TYPES = {
    "javascript": frozenset({"function_declaration", "function_expression", "arrow_function",
                             "method_definition", "generator_function_declaration",
                             "generator_function", "function"}),
    "go": frozenset({"function_declaration", "method_declaration", "func_literal"}),
}
FUNCTION_TYPES["typescript"] = FUNCTION_TYPES["javascript"]
LOOP_TYPES = {
    "javascript": frozenset({"for_statement", "for_in_statement", "while_statement",
                             "do_statement"}),
    "go": frozenset({"for_statement"}),
}
LOOP_TYPES["typescript"] = LOOP_TYPES["javascript"]
CALL_QUERIES = {
    "javascript": "(call_expression function: (_) @fn) @call "
    "(new_expression constructor: (_) @fn) @call",
    "go": "(call_expression function: (_) @fn) @call",
}
CALL_QUERIES["typescript"] = CALL_QUERIES["javascript"]


def grammar_name(language: str, variant: str) -> str:
    if language == "typescript" and variant == "tsx":
        return "tsx"
    return language


@cache
def grammar(name: str) -> Language:
    if name == "javascript":
        import tree_sitter_javascript as module

        return Language(module.language())
    if name in ("typescript", "tsx"):
        import tree_sitter_typescript as module

        return Language(module.language_tsx() if name == "tsx" else module.language_typescript())
    if name == "go":
        import tree_sitter_go as module

        return Language(module.language())
    raise KeyError(name)


@cache
def parser(name: str) -> Parser:
    return Parser(grammar(name))


@cache
def compiled(name: str, source: str) -> Query:
    return Query(grammar(name), source)


@dataclass(slots=True, eq=False)
class TreeCall:
    node: Node
    callee: Node
    # Callee text with whitespace removed, e.g. "db.query", "axios.get", "exec.Command".
    name: str
    module: TreeModule
    _function: object = None
    _loop: object = None

    @property
    def function(self) -> Node | None:
        """The enclosing function node; computed on first use (walking up is not free)."""
        if self._function is None:
            self._function = self.module.enclosing_function(self.node) or False
        return self._function or None

    @property
    def loop(self) -> Node | None:
        if self._loop is None:
            self._loop = self.module.enclosing_loop(self.node) or False
        return self._loop or None

    @property
    def attr(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def arguments(self) -> list[Node]:
        args = self.node.child_by_field_name("arguments")
        return [c for c in args.named_children if c.type != "comment"] if args else []


@dataclass(slots=True)
class TreeModule:
    language: str  # javascript, typescript, go
    grammar: str  # javascript, typescript, tsx, go
    source: bytes
    text: str
    tree: object
    kind: FileKind | None = None
    config: ReviewConfig | None = None
    lines: list[str] = field(default_factory=list)
    _calls: list[TreeCall] | None = None

    @classmethod
    def parse(cls, text: str, kind: FileKind, config: ReviewConfig | None = None) -> TreeModule:
        name = grammar_name(kind.language, kind.variant)
        source = text.encode("utf-8")
        tree = parser(name).parse(source)
        return cls(language=kind.language, grammar=name, source=source, text=text, tree=tree,
                   kind=kind, config=config, lines=text.splitlines())

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def parse_problem(self) -> str | None:
        """Why the file is not worth analyzing as code, or None. tree-sitter recovers from
        errors, so a few broken spots are fine; a file that is mostly errors is skipped."""
        root = self.root
        if not root.has_error:
            return None
        errors = self.captures("(ERROR) @error").get("error", [])
        broken = sum(node.end_byte - node.start_byte for node in errors)
        if root.type == "ERROR" or broken > max(200, len(self.source) // 10):
            first = min((n.start_point.row + 1 for n in errors), default=1)
            return f"does not parse as {DISPLAY[self.grammar]} (syntax error at line {first})"
        return None

    # -- queries --------------------------------------------------------------------------

    def captures(self, query: str, node: Node | None = None) -> dict[str, list[Node]]:
        return QueryCursor(compiled(self.grammar, query)).captures(node or self.root)

    def matches(self, query: str, node: Node | None = None) -> list[tuple[int, dict]]:
        return QueryCursor(compiled(self.grammar, query)).matches(node or self.root)

    @property
    def calls(self) -> list[TreeCall]:
        if self._calls is None:
            found = []
            for _, captures in self.matches(CALL_QUERIES[self.language]):
                call, callee = captures["call"][0], captures["fn"][0]
                found.append(TreeCall(
                    node=call, callee=callee, name="".join(self.text_of(callee).split()),
                    module=self,
                ))
            found.sort(key=lambda c: c.node.start_byte)
            self._calls = found
        return self._calls

    # -- navigation -----------------------------------------------------------------------

    def text_of(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def code(self, node: Node) -> str:
        """Whitespace-normalized source of the node: the stable part of a fingerprint."""
        return " ".join(self.text_of(node).split())

    def ancestors(self, node: Node):
        current = node.parent
        while current is not None:
            yield current
            current = current.parent

    def enclosing(self, node: Node, types: frozenset[str] | set[str]) -> Node | None:
        for ancestor in self.ancestors(node):
            if ancestor.type in types:
                return ancestor
        return None

    def enclosing_function(self, node: Node) -> Node | None:
        return self.enclosing(node, FUNCTION_TYPES[self.language])

    def enclosing_loop(self, node: Node) -> Node | None:
        """The innermost loop around `node` inside its own function."""
        functions = FUNCTION_TYPES[self.language]
        loops = LOOP_TYPES[self.language]
        for ancestor in self.ancestors(node):
            if ancestor.type in functions:
                return None
            if ancestor.type in loops:
                return ancestor
        return None

    def function_name(self, function: Node | None) -> str:
        if function is None:
            return ""
        name = function.child_by_field_name("name")
        if name is not None:
            return self.text_of(name)
        parent = function.parent
        # `const handler = async (req, res) => {}` / `handler: function () {}`
        if parent is not None and parent.type in ("variable_declarator", "pair",
                                                  "assignment_expression"):
            target = (parent.child_by_field_name("name") or parent.child_by_field_name("key")
                      or parent.child_by_field_name("left"))
            return self.text_of(target)
        return "<anonymous>"

    def scope(self, node: Node) -> str:
        names = []
        for ancestor in self.ancestors(node):
            if ancestor.type in FUNCTION_TYPES[self.language]:
                names.append(self.function_name(ancestor))
            elif ancestor.type in ("class_declaration", "class", "type_declaration"):
                name = ancestor.child_by_field_name("name")
                if name is not None:
                    names.append(self.text_of(name))
        return ".".join(reversed(names))

    def line(self, node: Node) -> int:
        return node.start_point.row + 1

    def end_line(self, node: Node) -> int:
        return node.end_point.row + 1

    def settings(self, rule_id: str, defaults: dict) -> dict:
        if self.config is None:
            return defaults
        return self.config.rule_settings(rule_id, defaults)
