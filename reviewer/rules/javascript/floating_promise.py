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
    unwrap,
)
from reviewer.treesitter import TreeModule

PRISMA_OPS = ("create|createMany|update|updateMany|upsert|delete|deleteMany|findMany|findUnique|"
              "findFirst|count|aggregate")
KNOWN_ASYNC = [
    (re.compile(rf"^(this\.)?(prisma|db|tx|prismaService)\.\w+\.({PRISMA_OPS})$"), "prisma"),
    (re.compile(r"^(this\.)?(prisma|db|tx)\.\$(transaction|executeRaw|queryRaw|"
                r"executeRawUnsafe|queryRawUnsafe|connect|disconnect)$"), "prisma"),
    (re.compile(r"^(fetch|globalThis\.fetch)$"), "fetch"),
    (re.compile(r"^axios\.(get|post|put|patch|delete|head|request)$"), "axios"),
    (re.compile(r"^(fs\.promises|fsp|fsPromises)\.\w+$"), "fs"),
    (re.compile(r"(Repository|Repo|repository|repo|manager)\.(save|insert|update|delete|"
                r"remove|softDelete|upsert|increment|decrement)$"), "repository"),
    (re.compile(r"^(this\.)?(models\.)?(?!Object$|Array$|Promise$|Reflect$|Math$|JSON$|"
                r"Date$|Number$|String$|Buffer$|React$)[A-Z][A-Za-z0-9]*\.(create|update|"
                r"destroy|bulkCreate|upsert|deleteOne|deleteMany|updateOne|updateMany|"
                r"insertMany|findByIdAndUpdate|findByIdAndDelete|findOneAndUpdate|"
                r"findOneAndDelete|increment)$"), "model"),
    (re.compile(r"^(this\.)?\w+\.save$"), "save"),
    (re.compile(r"(^|\.)(sendMail|sendEmail)$"), "mail"),
]
NOT_MODELS = re.compile(r"^(this\.)?(res|req|response|request|form|editor|localStorage|state|"
                        r"store|cache|session|map|set|router|app)\.")


class FloatingPromise(Rule):
    """A promise created and dropped inside an async function or request handler.

    Reported only when the call is known to return a promise: an `async` function or
    method declared in the same file, Prisma client calls, `fetch`, `axios.*`,
    `fs.promises.*`, TypeORM repository writes, Sequelize/Mongoose model writes, `.save()`,
    `sendMail`. A callback argument means the callback style (no promise). `void call()`
    is the explicit opt-out; `.then/.catch`, `await`, `return`, assignment and
    `Promise.all(...)` all handle the promise. `items.forEach(async ...)` is reported too:
    forEach drops the promises its callback returns.
    """

    id = "floating-promise"
    title = "Promise neither awaited nor handled"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.RELIABILITY
    languages = ("javascript", "typescript")
    skip_roles = ("script", "migration")
    rationale = (
        "A promise nobody awaits runs detached: the handler answers before the write lands, "
        "its failure becomes an unhandled rejection (which crashes Node by default) instead "
        "of an error response, and in serverless runtimes the work is frozen or lost when "
        "the response is sent. Mongoose queries are not even sent until awaited."
    )
    fix = (
        "`await` the call (or return it); run independent calls with `Promise.all`; for "
        "deliberate fire-and-forget write `void task().catch(log)` so the intent and the "
        "error path are explicit. Replace `forEach(async ...)` with `for...of` + `await` or "
        "`await Promise.all(items.map(...))`."
    )
    example = Example(
        before=(
            "app.post('/signup', async (req, res) => {\n"
            "  const user = await prisma.user.create({ data: req.body });\n"
            "  sendWelcomeEmail(user);\n"
            "  res.status(201).json(user);\n"
            "});"
        ),
        after=(
            "app.post('/signup', async (req, res) => {\n"
            "  const user = await prisma.user.create({ data: req.body });\n"
            "  await sendWelcomeEmail(user);\n"
            "  res.status(201).json(user);\n"
            "});"
        ),
    )
    references = (
        "https://typescript-eslint.io/rules/no-floating-promises/",
        "https://nodejs.org/api/cli.html#--unhandled-rejectionsmode",
    )

    def check_tree(self, module: TreeModule) -> Iterable[Match]:
        text = module.text
        if "async" not in text:
            return
        idx: FileIndex | None = None
        names: tuple[set[str], set[str]] | None = None
        for call in module.calls:
            node = call.node
            parent = node.parent
            if parent is None or parent.type != "expression_statement" or call.function is None:
                continue
            if node.type != "call_expression":
                continue
            name = call.name
            dropped_foreach = False
            what = None
            if name.endswith(".forEach"):
                arguments = call.arguments
                dropped_foreach = bool(arguments) and _is_async(unwrap(arguments[0]))
                if not dropped_foreach:
                    continue
            else:
                if names is None:
                    names = _async_names(text)
                functions, methods = names
                what = _known_async(name, functions, methods)
                if what is None:
                    continue
                arguments = call.arguments
                if arguments and unwrap(arguments[-1]).type in ("arrow_function",
                                                                "function_expression"):
                    continue  # callback style
                if name not in functions and _declared_plain(name, text):
                    continue  # declared here without `async`
            function = call.function
            if idx is None:
                idx = index(module)
            if not (_is_async(function) or idx.is_handler(function)):
                continue
            if dropped_foreach:
                yield make_match(
                    self.id, module, node,
                    f"`{name}()` with an async callback drops every promise it returns: "
                    "nothing waits for the work and failures become unhandled rejections. Use "
                    "`for...of` with `await`, or `await Promise.all(items.map(...))`.",
                )
                continue
            yield make_match(
                self.id, module, node,
                f"`{name}()` returns a promise ({what}) that is neither awaited, returned "
                "nor handled: failures become unhandled rejections and the work may not "
                "finish before the response. `await` it (or `void ...catch(...)` on purpose).",
            )


ASYNC = re.compile(r"\basync\b")
BEFORE_ASYNC = re.compile(r"(\w+)\s*[=:]\s*$")
AFTER_ASYNC = re.compile(r"\s+function\s*\*?\s*(\w+)|\s+(?:\*\s*)?#?(\w+)\s*[(<]")


def _async_names(text: str) -> tuple[set[str], set[str]]:
    """(async functions, async methods) declared in the file, read off the text around each
    `async`: `async function f`, `f = async (...)`, `async m(...) {`."""
    functions: set[str] = set()
    methods: set[str] = set()
    for found in ASYNC.finditer(text):
        start, end = found.start(), found.end()
        before = BEFORE_ASYNC.search(text, max(0, start - 60), start)
        if before:
            functions.add(before.group(1))
            continue
        after = AFTER_ASYNC.match(text, end)
        if after:
            if after.group(1):
                functions.add(after.group(1))
            elif after.group(2) != "function":
                methods.add(after.group(2))
    return functions, methods


def _declared_plain(name: str, text: str) -> bool:
    """`function name(` / `name = (...) =>` without `async`: not a promise."""
    if "." in name:
        return False
    escaped = re.escape(name)
    return bool(re.search(rf"\bfunction\s*\*?\s*{escaped}\b|\b{escaped}\s*=\s*"
                          rf"(?:function\b|\([^()]*\)\s*=>|\w+\s*=>)", text))


def _is_async(node: Node) -> bool:
    return node.type in ("function_declaration", "function_expression", "arrow_function",
                         "method_definition", "function") and any(
        child.type == "async" for child in node.children)


def _known_async(name: str, functions: set[str], methods: set[str]) -> str | None:
    if name in functions:
        return f"`{name}` is an async function"
    if name.startswith("this.") and name.count(".") == 1 and name[5:] in methods:
        return f"`{name[5:]}` is an async method"
    if NOT_MODELS.match(name):
        return None
    for pattern, what in KNOWN_ASYNC:
        if pattern.search(name):
            return {
                "prisma": "a Prisma query", "fetch": "fetch", "axios": "an axios request",
                "fs": "an fs.promises call", "repository": "a repository write",
                "model": "a model write", "save": "`.save()` writes to the database",
                "mail": "sending mail",
            }[what]
    return None
