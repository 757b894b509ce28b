"""MongoDB queries steered by the client: `$where` code built from run-time values, or a
request object (or a raw body/query field, which JSON and `qs` can turn into an operator
object such as `{"$ne": null}`) used directly as a filter."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.rules.base import Example, Rule
from reviewer.rules.javascript._js import (
    FileIndex,
    index,
    make_match,
    object_pairs,
    resolved_object,
    short,
    unwrap,
)
from reviewer.treesitter import TreeModule

FILTER_METHODS = frozenset({
    "find", "findOne", "findOneAndUpdate", "findOneAndDelete", "findOneAndRemove",
    "findOneAndReplace", "updateOne", "updateMany", "deleteOne", "deleteMany", "countDocuments",
    "count", "exists", "distinct", "replaceOne", "remove",
})
MONGO_MARKERS = ("mongoose", "mongodb", "MongoClient", ".collection(", "Schema(", "ObjectId",
                 "InjectModel", "$set", "$in", "$or", "$regex", "$ne")
OTHER_ORMS = ("sequelize", "Sequelize", "typeorm", "@prisma/", "PrismaClient", "knex",
              "drizzle-orm", "objection", "mikro-orm")
# Keys of SQL ORMs' find options: such an object is not a Mongo filter.
ORM_OPTION_KEYS = frozenset({"where", "include", "relations", "select", "attributes",
                             "order", "orderBy"})
# Request fields that can hold objects (JSON bodies, `qs`-parsed query strings).
OBJECT_FIELDS = frozenset({"body", "query", "queryStringParameters"})
VALIDATION = re.compile(
    r"typeof\s+|validationResult|safeParse|\.parse\(|\.validate(Async)?\(|"
    r"validator\.|sanitize|mongoSanitize|mongo-sanitize|\bescape\(|\bcheck\(|"
    r"isString\(|isEmail\(|matchedData\(|class-validator|Joi\.|zod|yup\."
)


class NoSqlInjection(Rule):
    id = "nosql-injection"
    title = "MongoDB query steered by request data"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 943
    languages = ("javascript", "typescript")
    skip_roles = ("test", "migration")
    rationale = (
        "Express parses `?email[$ne]=x` and JSON bodies into objects, so a field the code "
        "expects to be a string can arrive as `{\"$ne\": null}` or `{\"$gt\": \"\"}`: used "
        "as a filter value it matches every document (log in as anyone, dump a collection). "
        "`$where` runs JavaScript on the server; a string built from input runs the "
        "attacker's code."
    )
    fix = (
        "Coerce or validate each value before it reaches the query (`String(req.body.email)`, "
        "a zod/joi schema, express-mongo-sanitize), never pass `req.body`/`req.query` as the "
        "filter, and replace `$where` with regular query operators."
    )
    example = Example(
        before="const user = await User.findOne({ email: req.body.email, password: hash });",
        after=(
            "const { email } = LoginSchema.parse(req.body); // z.string().email()\n"
            "const user = await User.findOne({ email, password: hash });"
        ),
    )
    references = (
        "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_"
        "Security_Testing/07-Input_Validation_Testing/05.6-Testing_for_NoSQL_Injection",
        "https://cwe.mitre.org/data/definitions/943.html",
    )

    def check_tree(self, module: TreeModule) -> Iterable[Match]:
        text = module.text
        has_where = "$where" in text
        if not has_where and not any(m in text for m in ("find", "update", "delete", "count",
                                                         "exists", "distinct", "remove")):
            return
        idx: FileIndex | None = None
        mongo: bool | None = None
        reported: set[int] = set()
        if has_where:
            idx = index(module)
            for pair in module.captures("(pair key: (_) @key) @pair").get("pair", []):
                key = pair.child_by_field_name("key")
                if module.text_of(key).strip("'\"") != "$where":
                    continue
                value = pair.child_by_field_name("value")
                if value is None or unwrap(value).type in ("function_expression",
                                                           "arrow_function", "function"):
                    continue
                if idx.constant(value):
                    continue
                reported.add(module.line(pair))
                yield make_match(
                    self.id, module, pair,
                    f"`$where` runs server-side JavaScript built from run-time values "
                    f"(`{short(module.text_of(value))}`): a crafted value executes in the "
                    "database. Use query operators instead of `$where`.",
                )
        for call in module.calls:
            if call.attr not in FILTER_METHODS or "." not in call.name:
                continue
            arguments = call.arguments
            if not arguments or module.line(call.node) in reported:
                continue
            if unwrap(arguments[0]).type not in ("object", "identifier", "member_expression",
                                                 "subscript_expression"):
                continue
            if mongo is None:
                mongo = any(m in text for m in MONGO_MARKERS)
                if not mongo and not has_where and any(o in text for o in OTHER_ORMS):
                    return
            if idx is None:
                idx = index(module)
            problem = _filter_problem(idx, arguments[0], mongo)
            if problem is None:
                continue
            if _validated(module, call.node):
                continue
            yield make_match(
                self.id, module, call.node,
                f"`{call.name}()` uses {problem} as a MongoDB filter: a JSON body or query "
                "string can turn it into an operator object like `{\"$ne\": null}` that "
                "matches any document. Coerce the value (`String(...)`) or validate it first.",
            )


def _validated(module: TreeModule, node: Node) -> bool:
    """A type check, schema parse or sanitizer in the handler, or validation middleware in
    the route registration the handler is passed to (`router.post(path, [check(...)], fn)`)."""
    function = module.enclosing_function(node)
    while function is not None:
        if VALIDATION.search(module.text_of(function)):
            return True
        parent = function.parent
        if parent is not None and parent.type == "arguments":
            return bool(VALIDATION.search(module.text_of(parent)))
        function = module.enclosing_function(function)
    return False


def _filter_problem(idx: FileIndex, node: Node, mongo: bool) -> str | None:
    module = idx.module
    node = unwrap(node)
    if _raw_request(idx, node, whole=True):
        return f"the request data `{short(module.text_of(node))}` itself"
    filter_object = resolved_object(idx, node)
    if filter_object is None:
        return None
    pairs = object_pairs(module, filter_object) or {}
    if ORM_OPTION_KEYS & set(pairs) and not mongo:
        return None
    if "where" in pairs:
        return None
    for key, value in pairs.items():
        if key == "...":
            spread = value.named_children[0] if value.named_children else None
            if spread is not None and _raw_request(idx, spread, whole=True):
                return f"the spread request data `{short(module.text_of(spread))}`"
            continue
        target = value
        if value.type == "shorthand_property_identifier":
            if _raw_request(idx, value, whole=False):
                return f"the raw request field `{key}`"
            continue
        if target is not None and key in ("$or", "$and", "$nor"):
            for item in unwrap(target).named_children:
                inner = object_pairs(module, item) or {}
                for sub_key, sub_value in inner.items():
                    if sub_value is not None and _raw_request(idx, sub_value, whole=False):
                        return (f"the raw request field `{short(module.text_of(sub_value))}`"
                                f" (for `{sub_key}`)")
            continue
        if target is not None and _raw_request(idx, target, whole=False):
            return f"the raw request field `{short(module.text_of(target))}` (for `{key}`)"
    return None


def _raw_request(idx: FileIndex, node: Node, whole: bool, depth: int = 2) -> bool:
    """`req.body.email` / `req.query` as they arrived (not coerced), directly or through a
    local variable or destructuring of the request body/query."""
    module = idx.module
    node = unwrap(node)
    if node.type in ("member_expression", "subscript_expression"):
        if not idx.request_access(node):
            root = node
            while root.type in ("member_expression", "subscript_expression"):
                root = unwrap(root.child_by_field_name("object"))
            return root.type == "identifier" and _nest_raw(idx, root)
        chain = _field_chain(module, node)
        if not chain or chain[0] not in OBJECT_FIELDS and not (
                chain[0] == "request" and len(chain) > 1 and chain[1] in OBJECT_FIELDS):
            return False
        return True
    if node.type in ("identifier", "shorthand_property_identifier") and depth > 0:
        name = module.text_of(node)
        kind, found = idx.resolve(name, node)
        if kind == "param":
            return _nest_raw(idx, node)
        if kind != "bound":
            return False
        for binding in found:  # type: ignore[union-attr]
            value = unwrap(binding.value)
            if binding.kind == "destructure" and not whole:
                if value.type in ("member_expression", "subscript_expression") and (
                        _raw_request(idx, value, whole=True, depth=depth - 1)):
                    return True
            elif binding.kind == "assign" and _raw_request(idx, value, whole, depth - 1):
                return True
    return False


def _nest_raw(idx: FileIndex, node: Node) -> bool:
    """A NestJS `@Body()`/`@Query()` parameter typed `any` (no DTO validates it)."""
    kind, found = idx.resolve(idx.module.text_of(node), node)
    if kind != "param":
        return False
    _function, param = found  # type: ignore[misc]
    return any(d in ("Body", "Query") for d in param.decorators) and _untyped(
        idx.module, param.node)


def _field_chain(module: TreeModule, node: Node) -> list[str]:
    chain = []
    current = node
    while current.type in ("member_expression", "subscript_expression"):
        prop = current.child_by_field_name("property")
        chain.append(module.text_of(prop) if prop is not None else "[]")
        current = unwrap(current.child_by_field_name("object"))
    chain.reverse()
    return chain


def _untyped(module: TreeModule, param: Node) -> bool:
    """A NestJS parameter typed `any`/`object` (or not typed): no DTO validates it."""
    annotation = param.child_by_field_name("type")
    if annotation is None:
        return True
    return module.text_of(annotation).lstrip(": ") in ("any", "object", "Record<string, any>")
