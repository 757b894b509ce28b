"""http-call-without-timeout for Go:

- `http.Get/Head/Post/PostForm` (the default client, which never times out), and
  `http.DefaultClient.*` calls in functions that set no deadline on the request's context;
- `http.Client{...}` literals with no `Timeout` (nor a later `client.Timeout = ...`);
- servers that never time out a slow client (slowloris): `http.ListenAndServe(TLS)`,
  `http.Serve(TLS)`, and `http.Server{...}` literals with neither `ReadHeaderTimeout` nor
  `ReadTimeout` (nor a later assignment of one).

Not reported: clients with `Timeout` (or a transport with its own timeouts), requests made
with `http.NewRequestWithContext` under `context.WithTimeout/WithDeadline`, test files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.golang._go import is_test, make_match
from reviewer.treesitter import TreeModule

DEFAULT_CLIENT_CALLS = frozenset({"http.Get", "http.Head", "http.Post", "http.PostForm"})
SERVER_CALLS = frozenset({"http.ListenAndServe", "http.ListenAndServeTLS", "http.Serve",
                          "http.ServeTLS"})
LITERAL_QUERY = """
(composite_literal
  type: (qualified_type package: (package_identifier) @package (#eq? @package "http")
                        name: (type_identifier) @type)
  body: (literal_value) @body) @literal
"""
DEADLINE = re.compile(r"WithTimeout|WithDeadline|NewRequestWithContext|\.Timeout\s*=")
SERVER_TIMEOUTS = ("ReadHeaderTimeout", "ReadTimeout")


@language_check("http-call-without-timeout", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if "http." not in text or is_test(module):
        return []
    default_timeout = "DefaultClient.Timeout" in text
    found = []
    for call in module.calls:
        name = call.name
        if name in DEFAULT_CLIENT_CALLS and not default_timeout:
            found.append(make_match(
                rule, module, call.node,
                f"`{name}()` uses `http.DefaultClient`, which has no timeout: a slow or "
                "silent server holds this goroutine forever. Use an `http.Client` with "
                "`Timeout` set."))
        elif name.startswith("http.DefaultClient.") and not default_timeout:
            function = call.function
            if function is not None and DEADLINE.search(module.text_of(function)):
                continue
            found.append(make_match(
                rule, module, call.node,
                f"`{name}()` uses `http.DefaultClient`, which has no timeout, and the request "
                "carries no deadline. Use an `http.Client` with `Timeout` set."))
        elif name in SERVER_CALLS:
            found.append(make_match(
                rule, module, call.node,
                f"`{name}()` serves with no read or write timeouts: slow clients (slowloris) "
                "hold connections open until the server runs out. Use an `http.Server` with "
                "`ReadHeaderTimeout`, `ReadTimeout` and `WriteTimeout`."))
    if "Client{" in text or "Server{" in text:
        captures = module.matches(LITERAL_QUERY)
        for _, capture in captures:
            kind = module.text_of(capture["type"][0])
            literal = capture["literal"][0]
            body = module.text_of(capture["body"][0])
            if kind == "Client":
                if "Timeout" in body or _assigned_later(module, literal, ("Timeout",)):
                    continue
                found.append(make_match(
                    rule, module, literal,
                    "This `http.Client` has no `Timeout`: every request through it can hang "
                    "forever on a slow or silent server. Set `Timeout` (and transport "
                    "timeouts) sized to the caller's deadline."))
            elif kind == "Server":
                if any(t in body for t in SERVER_TIMEOUTS) or _assigned_later(
                        module, literal, SERVER_TIMEOUTS):
                    continue
                found.append(make_match(
                    rule, module, literal,
                    "This `http.Server` sets neither `ReadHeaderTimeout` nor `ReadTimeout`: "
                    "slow clients (slowloris) hold connections open until the server runs out."
                    " Set `ReadHeaderTimeout` (and read/write/idle timeouts)."))
    return [m for m in found if m is not None]


def _assigned_later(module: TreeModule, literal: Node, fields: tuple[str, ...]) -> bool:
    """`client.Timeout = ...` (or `srv.ReadTimeout = ...`) after the literal is bound."""
    name = _bound_name(module, literal)
    if not name:
        return False
    pattern = re.compile(r"(?<![\w])" + re.escape(name) + r"\.(?:" + "|".join(fields)
                         + r")\s*=[^=]")
    return bool(pattern.search(module.text))


def _bound_name(module: TreeModule, literal: Node) -> str:
    node = literal
    parent = node.parent
    while parent is not None and parent.type in ("unary_expression", "parenthesized_expression",
                                                 "literal_element"):
        node, parent = parent, parent.parent
    if parent is None:
        return ""
    if parent.type == "expression_list":
        statement = parent.parent
        if statement is None:
            return ""
        left = statement.child_by_field_name("left")
        if left is not None:
            position = [c.id for c in parent.named_children].index(node.id)
            targets = [c for c in left.named_children if c.type != "comment"]
            if position < len(targets):
                return module.text_of(targets[position]).rsplit(".", 1)[-1]
        if statement.type == "var_spec":
            names = statement.children_by_field_name("name")
            return module.text_of(names[0]) if names else ""
    if parent.type == "keyed_element":
        return module.text_of(parent.named_children[0])
    return ""
