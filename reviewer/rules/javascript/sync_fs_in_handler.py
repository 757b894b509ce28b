from __future__ import annotations

import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.rules.base import Example, Rule
from reviewer.rules.javascript._js import FileIndex, index, make_match, squash
from reviewer.treesitter import TreeModule

FS_SOURCES = frozenset({"fs", "node:fs", "fs-extra", "graceful-fs"})
CP_SOURCES = frozenset({"child_process", "node:child_process"})
CRYPTO_SYNC = frozenset({"pbkdf2Sync", "scryptSync", "generateKeyPairSync", "randomFillSync"})
BCRYPT_SYNC = frozenset({"hashSync", "compareSync", "genSaltSync"})
CP_SYNC = frozenset({"execSync", "spawnSync", "execFileSync"})
REQUIRE = re.compile(r"""^require\(['"](node:)?([\w/-]+)['"]\)$""")


class SyncFsInHandler(Rule):
    """Blocking `*Sync` calls on the request path.

    Reported inside request handlers: Express/Koa/Fastify route callbacks (`app.get('/x',
    (req, res) => ...)`), functions taking `(req, res)`, Next.js API and route handlers
    (`export async function GET`), NestJS controller methods (`@Get()` ...), and callbacks
    nested in them. Covers `fs.*Sync` (also fs-extra and destructured imports),
    `child_process.execSync/spawnSync/execFileSync`, `crypto.pbkdf2Sync/scryptSync/
    generateKeyPairSync`, `bcrypt.hashSync/compareSync`, `zlib.*Sync`. Module top level and
    start-up code are fine: they run once, before traffic.
    """

    id = "sync-fs-in-handler"
    title = "Blocking synchronous call in a request handler"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    category = Category.PERFORMANCE
    languages = ("javascript", "typescript")
    skip_roles = ("test", "script", "migration")
    rationale = (
        "Node serves every request on one thread: a synchronous file read, child process, "
        "key derivation or bcrypt hash in a handler stops all other requests until it "
        "finishes, so one slow disk or a burst of logins stalls the whole server."
    )
    fix = (
        "Use the asynchronous API (`await fs.promises.readFile(...)`, `execFile` with a "
        "promise, `crypto.pbkdf2`/`scrypt` with a callback or promisified, `bcrypt.hash`), or "
        "do the work once at start-up and cache the result."
    )
    example = Example(
        before=(
            "app.get('/terms', (req, res) => {\n"
            "  res.type('html').send(fs.readFileSync('./terms.html', 'utf8'));\n"
            "});"
        ),
        after=(
            "app.get('/terms', async (req, res) => {\n"
            "  res.type('html').send(await fs.promises.readFile('./terms.html', 'utf8'));\n"
            "});"
        ),
    )
    references = (
        "https://nodejs.org/en/learn/asynchronous-work/dont-block-the-event-loop",
        "https://nodejs.org/api/fs.html#synchronous-api",
    )

    def check_tree(self, module: TreeModule) -> Iterable[Match]:
        if "Sync(" not in module.text:
            return
        idx: FileIndex | None = None
        names: dict[str, tuple[str, str | None]] | None = None
        for call in module.calls:
            if not call.name.endswith("Sync") or call.function is None:
                continue
            if idx is None:
                idx = index(module)
                names = _sync_names(idx)
            what = _blocking(call.name, names or {})
            if what is None:
                continue
            handler = idx.in_handler(call.node)
            if handler is None:
                continue
            yield make_match(
                self.id, module, call.node,
                f"`{call.name}()` blocks the event loop inside the request handler "
                f"`{module.function_name(handler)}`: {what} stalls every other request "
                "meanwhile. Use the async API or do it once at start-up.",
            )


def _sync_names(idx: FileIndex) -> dict[str, tuple[str, str | None]]:
    """Local names -> (module kind: fs/cp/crypto/bcrypt/zlib, the function it is or None
    for the module itself)."""
    names: dict[str, tuple[str, str | None]] = {
        "fs": ("fs", None), "fse": ("fs", None), "crypto": ("crypto", None),
        "zlib": ("zlib", None), "bcrypt": ("bcrypt", None), "bcryptjs": ("bcrypt", None),
        "child_process": ("cp", None), "cp": ("cp", None),
    }
    for local, (source, imported) in idx.imports.items():
        kind = _module_kind(source)
        if kind:
            names[local] = (kind, None if imported in ("*", "default") else imported)
    for name, bindings in idx.module_bindings().items():
        for binding in bindings:
            text = squash(idx.module.text_of(binding.value))
            found = REQUIRE.match(text)
            if found:
                kind = _module_kind(found.group(2))
                if kind:
                    names[name] = (kind, None if binding.kind != "destructure" else name)
            elif text.endswith(".promises") is False and REQUIRE.match(text.rsplit(".", 1)[0]):
                kind = _module_kind(REQUIRE.match(text.rsplit(".", 1)[0]).group(2))
                if kind:
                    names[name] = (kind, text.rsplit(".", 1)[-1])
    return names


def _module_kind(source: str) -> str | None:
    source = source.removeprefix("node:")
    if source in ("fs", "fs-extra", "graceful-fs"):
        return "fs"
    if source == "child_process":
        return "cp"
    if source == "crypto":
        return "crypto"
    if source in ("bcrypt", "bcryptjs"):
        return "bcrypt"
    if source == "zlib":
        return "zlib"
    return None


def _blocking(name: str, names: dict[str, tuple[str, str | None]]) -> str | None:
    receiver, _, method = name.rpartition(".")
    if receiver:
        kind, function = names.get(receiver, ("", None))
        if function is not None:
            return None
    else:
        kind, function = names.get(name, ("", None))
        if function is None:
            return None
        method = function
    if kind == "fs" and method.endswith("Sync"):
        return "synchronous file-system I/O"
    if kind == "cp" and method in CP_SYNC:
        return "waiting for a child process"
    if kind == "crypto" and method in CRYPTO_SYNC:
        return "CPU-heavy key derivation"
    if kind == "bcrypt" and method in BCRYPT_SYNC:
        return "a bcrypt hash (tens to hundreds of ms of CPU)"
    if kind == "zlib" and method.endswith("Sync"):
        return "synchronous compression"
    return None
