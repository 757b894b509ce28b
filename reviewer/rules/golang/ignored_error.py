"""ignored-error: a Go error from a database, HTTP, file or decoding call thrown away."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.rules.base import Example, Rule
from reviewer.rules.golang._go import DB_NAME, chain_base, exprs, make_match
from reviewer.treesitter import TreeCall, TreeModule

# Calls returning (value, error).
VALUE_AND_ERROR = frozenset({
    "http.Get", "http.Post", "http.Head", "http.PostForm", "http.NewRequest",
    "http.NewRequestWithContext", "io.ReadAll", "ioutil.ReadAll", "ioutil.ReadFile",
    "os.ReadFile", "os.Open", "os.OpenFile", "os.Create",
    "sql.Open", "sqlx.Connect", "sqlx.Open", "gorm.Open", "pgxpool.New", "pgx.Connect",
})
# Calls returning only an error.
ERROR_ONLY = frozenset({
    "json.Unmarshal", "xml.Unmarshal", "yaml.Unmarshal", "toml.Unmarshal", "proto.Unmarshal",
    "os.WriteFile", "ioutil.WriteFile",
})
# Database methods (on a receiver named like a handle) returning (value, error).
DB_VALUE_AND_ERROR = frozenset({
    "Query", "QueryContext", "Exec", "ExecContext", "Prepare", "PrepareContext", "Begin",
    "BeginTx", "Queryx", "QueryxContext", "NamedExec", "NamedExecContext", "NamedQuery",
    "MustBegin", "Preparex", "Beginx",
})
DB_ERROR_ONLY = frozenset({"Commit", "Ping", "PingContext", "Get", "Select", "GetContext",
                           "SelectContext"})
CLIENT_METHODS = frozenset({"Do", "Get", "Post", "Head", "PostForm"})
CLIENT_NAME = re.compile(r"(?i)(?:^|\.)(?:\w*client|httpc|hc|DefaultClient)$")
ROWS_NAME = re.compile(r"(?i)^(?:rows?|\w*rows?|result|res)$")
DECODER = re.compile(r"(?i)NewDecoder\(|^(?:dec|decoder|\w*decoder)$")

WATCHED_ATTRS = frozenset(
    {name.rsplit(".", 1)[-1] for name in VALUE_AND_ERROR | ERROR_ONLY}
    | DB_VALUE_AND_ERROR | DB_ERROR_ONLY | CLIENT_METHODS | {"Scan", "Decode"})


class IgnoredError(Rule):
    id = "ignored-error"
    title = "Error from a database, HTTP or I/O call ignored"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    category = Category.RELIABILITY
    cwe = 391
    languages = ("go",)
    skip_roles = ("test",)
    rationale = (
        "Go reports failure only through the returned error. Dropping it (`rows, _ := "
        "db.Query(...)`, a bare `json.Unmarshal(...)` or `tx.Commit()`) lets the code carry "
        "on with nil rows, a zero-valued struct or an uncommitted transaction: the request "
        "panics later, answers with wrong data, or silently loses writes."
    )
    fix = (
        "Check the error and return or report it: `if err != nil { return fmt.Errorf(\"load "
        "user: %w\", err) }`. Ignore one only where failure is truly harmless, with a comment."
    )
    example = Example(
        before='rows, _ := db.QueryContext(ctx, "SELECT id FROM users")',
        after=(
            'rows, err := db.QueryContext(ctx, "SELECT id FROM users")\n'
            "if err != nil {\n    return fmt.Errorf(\"list users: %w\", err)\n}"
        ),
    )
    references = (
        "https://go.dev/blog/error-handling-and-go",
        "https://cwe.mitre.org/data/definitions/391.html",
        "https://github.com/kisielk/errcheck",
    )

    def check_tree(self, module: TreeModule) -> Iterable[Match]:
        if module.language != "go":
            return []
        found = []
        for call in module.calls:
            if call.name[call.name.rfind(".") + 1:] not in WATCHED_ATTRS:
                continue
            statement, targets = _statement(call.node)
            if statement is None:
                continue
            shape = _shape(module, call)
            if shape is None:
                continue
            if statement.type == "expression_statement":
                message = (f"The error returned by `{_label(call)}()` is never checked: a "
                           "failure goes unnoticed and the code carries on with bad data.")
            else:
                texts = [module.text_of(t) for t in targets]
                if not texts or texts[-1] != "_":
                    continue
                if shape == "value" and len(texts) < 2:
                    continue
                message = (f"The error from `{_label(call)}()` is discarded with `_`: a failure "
                           "goes unnoticed and the code carries on with "
                           + ("a nil/zero result." if len(texts) > 1 else "bad data."))
            found.append(make_match(self, module, statement, message))
        return [m for m in found if m is not None]


def _statement(node: Node) -> tuple[Node | None, list[Node]]:
    """The statement that drops the call's results: a bare call, or an assignment whose
    only right-hand value is the call (with its targets)."""
    parent = node.parent
    if parent is None:
        return None, []
    if parent.type == "expression_statement":
        return parent, []
    if parent.type != "expression_list" or parent.named_child_count != 1:
        return None, []
    statement = parent.parent
    if statement is None or statement.type not in ("short_var_declaration",
                                                   "assignment_statement"):
        return None, []
    left = statement.child_by_field_name("left")
    if left is None or left.id == parent.id:
        return None, []
    return statement, exprs(left)


def _label(call: TreeCall) -> str:
    name = call.name
    if "(" in name:
        return "…" + name.rsplit(".", 1)[-1] if "." in name else name
    return name


def _shape(module: TreeModule, call: TreeCall) -> str | None:
    """'value' for (value, error) results, 'error' for error-only, None if not watched."""
    name = call.name
    if name in VALUE_AND_ERROR:
        return "value"
    if name in ERROR_ONLY:
        return "error"
    if call.callee.type != "selector_expression":
        return None
    attr = name.rsplit(".", 1)[-1]
    base, chained = chain_base(call.callee)
    base_text = module.text_of(base) if base is not None else ""
    last = base_text.rsplit(".", 1)[-1]
    operand = call.callee.child_by_field_name("operand")
    if attr == "Scan":
        operand_text = module.text_of(operand)
        if ROWS_NAME.match(operand_text.rsplit(".", 1)[-1]) or (
                chained and ".QueryRow" in operand_text):
            return "error"
        return None
    if attr == "Decode" and DECODER.search(module.text_of(operand)):
        return "error"
    if attr in CLIENT_METHODS and not chained and CLIENT_NAME.search(base_text):
        return "value"
    if not chained and DB_NAME.search(last) and base is not None:
        if attr in DB_VALUE_AND_ERROR and call.arguments or attr in ("Begin", "BeginTx"):
            return "value"
        if attr in DB_ERROR_ONLY:
            if attr in ("Get", "Select", "GetContext", "SelectContext") and not any(
                    module.text_of(a).startswith("&") for a in call.arguments[:2]):
                return None
            return "error"
    return None
