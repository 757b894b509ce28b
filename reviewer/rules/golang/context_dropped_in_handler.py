"""context-dropped-in-handler: Go HTTP handlers that drop or misuse the request's context.

Handlers are functions with a `*http.Request`, `*gin.Context`, `echo.Context` or
`*fiber.Ctx` parameter. Reported:

1. `context.Background()` / `context.TODO()` called directly in the handler's body: work
   started there is not canceled when the client goes away or the server shuts down.
   Calls inside a goroutine's function literal are not reported (detaching is the point
   there).
2. A goroutine started in the handler (`go func() {...}()` or `go f(args)`) that is not
   joined before the handler returns (no `Wait()`, channel receive, or channel it feeds
   that the handler reads afterwards) and that uses the request object itself (`r`, or the
   gin/echo/fiber context `c`, which the framework recycles; `c.Copy()` is fine) or a
   context derived from the request (`ctx := r.Context()`, canceled as soon as the handler
   returns). `context.WithoutCancel(ctx)` and goroutines that only watch `ctx.Done()` are
   fine.
3. A `go func() {...}()` in the handler whose body makes a database call (`db.Exec`,
   `db.QueryRow`, gorm `First/Find/Create/Save/...` on a handle named like `db`/`tx`) or an
   HTTP call (`http.Get/Post`, `client.Get/Post/Do`) while its text mentions no context at
   all (no `context.`, `ctx`, `...Ctx`, `Context()`): detached work with no deadline.

Named goroutines (`go s.worker()`) that receive neither the request nor its context are
not judged: what they do is out of sight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.rules.base import Example, Rule
from reviewer.rules.golang._go import DB_NAME, GoIndex, chain_base, index_for, make_match
from reviewer.treesitter import TreeModule

BACKGROUND = frozenset({"context.Background", "context.TODO"})
REQUEST_CONTEXT = {
    "http": "r.Context()", "gin": "c.Request.Context()", "echo": "c.Request().Context()",
    "fiber": "c.UserContext()",
}
JOINED = re.compile(r"\.Wait\(\)|<-\s*\w")
CTX_WORD = re.compile(r"\bctx\b|Context\(\)|\w+Ctx\b")
HTTP_CALLS = frozenset({"http.Get", "http.Post", "http.Head", "http.PostForm"})
DB_CALLS = frozenset({"Query", "QueryRow", "Exec", "Queryx", "QueryRowx", "NamedExec", "MustExec",
                      "Get", "Select", "First", "Find", "Create", "Save", "Updates", "Delete"})
CLIENT_CALLS = frozenset({"Get", "Post", "Head", "PostForm", "Do"})
CLIENT_NAME = re.compile(r"(?i)client$|^DefaultClient$")
SENDS = re.compile(r"(?<![\w.])(\w+)\s*<-(?!-)|\bclose\((\w+)\)")


class ContextDroppedInHandler(Rule):
    id = "context-dropped-in-handler"
    title = "Request context dropped or used after the handler returns"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.RELIABILITY
    languages = ("go",)
    skip_roles = ("test",)
    rationale = (
        "The request's context is canceled when the client disconnects, the deadline passes "
        "or the server shuts down. Queries and calls made with `context.Background()` in a "
        "handler keep running for nobody and pile up under load. The other way round, a "
        "goroutine that outlives the handler but keeps using `r`, `r.Context()` or gin's "
        "`c` fails at random: the context is already canceled and gin recycles `c` for the "
        "next request."
    )
    fix = (
        "Pass `r.Context()` (gin: `c.Request.Context()`, echo: `c.Request().Context()`) to "
        "the work done for the request. For background work that must outlive it, copy what "
        "it needs first and use `context.WithoutCancel(r.Context())` or a context owned by "
        "the worker (gin: `c.Copy()`)."
    )
    example = Example(
        before=(
            "func (h *Handler) Get(w http.ResponseWriter, r *http.Request) {\n"
            '    row := h.db.QueryRowContext(context.Background(), "SELECT ...", id)'
        ),
        after=(
            "func (h *Handler) Get(w http.ResponseWriter, r *http.Request) {\n"
            '    row := h.db.QueryRowContext(r.Context(), "SELECT ...", id)'
        ),
    )
    references = (
        "https://pkg.go.dev/net/http#Request.Context",
        "https://go.dev/blog/context",
        "https://gin-gonic.com/en/docs/examples/goroutines-inside-a-middleware/",
    )

    def check_tree(self, module: TreeModule) -> Iterable[Match]:
        if module.language != "go":
            return []
        text = module.text
        if not any(t in text for t in ("http.Request", "gin.Context", "echo.Context",
                                       "fiber.Ctx")):
            return []
        index = index_for(module)
        found = []
        for call in module.calls:
            if call.name not in BACKGROUND or call.function is None:
                continue
            handler = _handler(index, call.function)
            if handler is None:
                continue
            found.append(make_match(
                self, module, call.node,
                f"`{call.name}()` in a handler drops the request's context: the work goes on "
                "after the client has gone or the deadline passed. Use "
                f"`{_suggest(handler)}`."))
        if "go " in text:
            for statement in module.captures("(go_statement) @go").get("go", []):
                problem = _goroutine_problem(index, statement)
                if problem:
                    found.append(make_match(self, module, statement, problem))
        return [m for m in found if m is not None]


def _handler(index: GoIndex, function: Node) -> tuple[str, str] | None:
    """(request parameter, framework) when `function` itself takes the request."""
    for name, binding in index.parameters(function).items():
        framework = {"*http.Request": "http", "*gin.Context": "gin", "echo.Context": "echo",
                     "*fiber.Ctx": "fiber"}.get(binding.type)
        if framework:
            return name, framework
    return None


def _suggest(handler: tuple[str, str]) -> str:
    name, framework = handler
    suggestion = REQUEST_CONTEXT[framework]
    return suggestion.replace("r.", f"{name}.", 1) if framework == "http" else \
        suggestion.replace("c.", f"{name}.", 1)


def _goroutine_problem(index: GoIndex, statement: Node) -> str | None:
    module = index.module
    function = module.enclosing_function(statement)
    if function is None:
        return None
    handler = _handler(index, function)
    if handler is None:
        return None
    request, framework = handler
    rest = module.source[statement.end_byte:function.end_byte].decode("utf-8", "replace")
    if JOINED.search(rest):
        return None  # joined before the handler returns: a fan-out, not detached work
    body = module.text_of(statement)
    for sent, closed in SENDS.findall(body):
        channel = sent or closed
        if re.search(rf"(?<![\w.]){re.escape(channel)}\b", rest):
            return None  # feeds a channel the handler goes on to consume
    contexts = _request_contexts(index, function, request, statement.start_byte)
    for ident in module.captures("(identifier) @id", statement).get("id", []):
        name = module.text_of(ident)
        if name != request and name not in contexts:
            continue
        scope = module.enclosing_function(ident)
        bindings = index.bindings(name, scope, ident.start_byte)
        if not bindings or bindings[0].function is None or bindings[0].function.id != \
                function.id:
            continue  # shadowed inside the goroutine
        if _detached(module, ident, statement):
            continue
        if name == request:
            parent = ident.parent
            if framework != "http" and parent is not None and parent.type == \
                    "selector_expression" and module.text_of(parent).endswith(".Copy"):
                continue
            if framework == "http":
                return (f"This goroutine uses the request `{name}` after the handler may have "
                        f"returned: `{name}.Context()` is canceled by then and the request "
                        "must not be read. Copy the values it needs and give it its own "
                        "context (`context.WithoutCancel`).")
            return (f"This goroutine uses the {framework} context `{name}` after the handler "
                    f"may have returned: the framework recycles it for the next request. "
                    f"Pass `{name}.Copy()` (or copied values) instead.")
        parent = ident.parent
        if parent is not None and parent.type == "selector_expression" and \
                module.text_of(parent.child_by_field_name("field")) in ("Done", "Err"):
            continue  # watches the request's cancellation: that is what it is for
        return (f"This goroutine uses `{name}`, the request's context, after the handler may "
                "have returned: it is canceled as soon as the response is written. Use "
                "`context.WithoutCancel(...)` or a context owned by the background work.")
    work = _contextless_work(module, statement)
    if work is not None:
        return (f"This goroutine calls `{work}()` without any context: the work has no "
                "deadline and cannot be canceled, so slow dependencies pile up goroutines. Give "
                "it `context.WithTimeout(context.WithoutCancel(...), ...)` and the "
                "`...Context` variants.")
    return None


def _contextless_work(module: TreeModule, statement: Node) -> str | None:
    """A database or HTTP call in a `go func() {...}()` that mentions no context at all."""
    call = statement.named_children[0] if statement.named_child_count else None
    literal = call.child_by_field_name("function") if call is not None and \
        call.type == "call_expression" else None
    if literal is None or literal.type != "func_literal":
        return None
    text = module.text_of(statement)
    if "context." in text or CTX_WORD.search(text):
        return None
    start, end = literal.start_byte, literal.end_byte
    for call in module.calls:
        if call.node.start_byte < start:
            continue
        if call.node.start_byte >= end:
            break
        name = call.name
        if name in HTTP_CALLS:
            return name
        if "." not in name or not call.arguments:
            continue
        attr = name.rsplit(".", 1)[-1]
        base, _ = chain_base(call.callee)
        last = module.text_of(base).rsplit(".", 1)[-1] if base is not None else ""
        if attr in DB_CALLS and DB_NAME.search(last):
            return name if "(" not in name else attr
        if attr in CLIENT_CALLS and CLIENT_NAME.search(last):
            return name
    return None


def _detached(module: TreeModule, ident: Node, statement: Node) -> bool:
    """`context.WithoutCancel(ctx)`: the goroutine keeps the values but not the cancel."""
    for ancestor in module.ancestors(ident):
        if ancestor.id == statement.id:
            return False
        if ancestor.type == "call_expression" and module.text_of(
                ancestor.child_by_field_name("function")).endswith("WithoutCancel"):
            return True
    return False


def _request_contexts(index: GoIndex, function: Node, request: str, before: int) -> set[str]:
    """Locals bound (before `before`) to the request's context or to one derived from it."""
    module = index.module
    names: set[str] = set()
    locals_ = index.locals(function)
    ordered = sorted(((b.pos, name, b) for name, bindings in locals_.items()
                      for b in bindings if b.pos <= before and b.value is not None),
                     key=lambda item: item[0])
    pattern = re.compile(rf"(?<![\w.]){re.escape(request)}(?:\.Request(?:\(\))?)?\."
                         r"(?:Context|UserContext)\(\)")
    for _, name, binding in ordered:
        if binding.multi and binding.index != 0:
            continue  # `ctx, cancel := ...`: only the context
        value = module.text_of(binding.value)
        if "WithoutCancel" in value:
            continue
        if pattern.search(value) or any(
                re.search(rf"(?<![\w.]){re.escape(n)}\b", value) for n in names):
            if "context." in value or pattern.search(value) or value.strip() in names:
                names.add(name)
    return names
