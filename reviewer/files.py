"""What kind of file a path is: its language and its role, decided from the path alone.

The blob cache is keyed by (blob, kind), so rules may depend on the kind but never on
the exact path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

VENDORED = re.compile(r"(^|/)(node_modules|vendor|site-packages|third_party|\.venv|venv|"
                      r"bower_components|jspm_packages)/")
GENERATED_NAME = re.compile(r"\.min\.(js|mjs|cjs|css)$|\.bundle\.js$|-bundle\.js$|\.pb\.go$|"
                            r"_generated\.go$|\.gen\.go$|_string\.go$|\.pb\.gw\.go$|"
                            r"(^|/)(dist|build)/.*\.js$|\.d\.ts$")
JS_TEST = re.compile(r"\.(test|spec)\.[cm]?[jt]sx?$|(^|/)__tests__/|_test\.go$")
SQL_MIGRATION = re.compile(
    r"(^|/)(migrations?|migrate|db/migrate|schema)/.*\.sql$|\.(up|down)\.sql$"
)
JS_MIGRATION = re.compile(r"(^|/)(migrations?)/[^/]+\.[cm]?[jt]s$")
TEST_PATH = re.compile(
    r"(^|/)(tests?|testing)/|(^|/)(test_[^/]*|[^/]*_test)\.py$|(^|/)conftest\.py$"
)
MIGRATION_PATH = re.compile(r"(^|/)(migrations|alembic/versions|versions)/[^/]+\.py$")
SETTINGS_PATH = re.compile(
    r"(^|/)(\w+_)?(settings|config|conf)(_\w+)?\.py$|(^|/)settings/[^/]+\.py$"
)
SCRIPT_PATH = re.compile(r"(^|/)(scripts?|bin|tools)/")


EXAMPLE_NAME = re.compile(r"\.(example|sample|template|dist|defaults?|tmpl|tpl)$|"
                          r"\.(example|sample|template)\.|(^|[._-])example([._-]|$)")
DEV_SETTINGS_NAME = re.compile(r"(^|[/_.-])(dev|devel|development|local|test|tests|testing|ci)"
                               r"([/_.-]|\.py$)")


@dataclass(frozen=True, slots=True)
class FileKind:
    # python, javascript, typescript, go, sql, shell, makefile, dockerfile, yaml, markdown,
    # dotenv, toml, json, text
    language: str
    role: str  # source, test, migration, settings, script
    # What the name says beyond language and role: "example" for `.env.example` and other
    # templates, "dev" for development/local/test settings modules, "tsx"/"jsx" for files
    # with JSX, "up"/"down" for the halves of SQL migration pairs, else "".
    variant: str = ""

    @property
    def key(self) -> str:
        return f"{self.language}:{self.role}:{self.variant}"


@lru_cache(maxsize=65536)
def kind_of(path: str) -> FileKind:
    pure = PurePosixPath(path)
    name = pure.name.lower()
    suffix = pure.suffix.lower()
    if suffix in (".py", ".pyi"):
        language = "python"
    elif suffix in (".js", ".jsx", ".mjs", ".cjs"):
        language = "javascript"
    elif suffix in (".ts", ".tsx", ".mts", ".cts"):
        language = "typescript"
    elif suffix == ".go":
        language = "go"
    elif suffix == ".sql":
        language = "sql"
    elif suffix == ".json":
        language = "json"
    elif suffix in (".sh", ".bash", ".zsh"):
        language = "shell"
    elif name in ("makefile", "gnumakefile") or suffix == ".mk":
        language = "makefile"
    elif name.startswith("dockerfile") or suffix == ".dockerfile" or name == "containerfile":
        language = "dockerfile"
    elif suffix in (".yml", ".yaml"):
        language = "yaml"
    elif suffix in (".md", ".markdown", ".rst"):
        language = "markdown"
    elif name == ".env" or name.startswith(".env.") or suffix == ".env":
        language = "dotenv"
    elif suffix == ".toml":
        language = "toml"
    else:
        language = "text"

    lowered = path.lower()
    if TEST_PATH.search(lowered) or JS_TEST.search(lowered):
        role = "test"
    elif language == "python" and MIGRATION_PATH.search(lowered):
        role = "migration"
    elif language == "sql" and SQL_MIGRATION.search(lowered):
        role = "migration"
    elif language in ("javascript", "typescript") and JS_MIGRATION.search(lowered):
        role = "migration"
    elif language == "python" and SETTINGS_PATH.search(lowered):
        role = "settings"
    elif SCRIPT_PATH.search(lowered):
        role = "script"
    else:
        role = "source"
    variant = ""
    if suffix in (".tsx", ".jsx"):
        variant = suffix[1:]
    elif role == "migration" and language == "sql" and re.search(r"(^|[._/])down\.sql$", name):
        variant = "down"
    elif role == "migration" and language == "sql" and re.search(r"(^|[._/])up\.sql$", name):
        variant = "up"
    elif EXAMPLE_NAME.search(name):
        variant = "example"
    elif role == "settings" and DEV_SETTINGS_NAME.search(name):
        variant = "dev"
    return FileKind(language, role, variant)


def vendored_reason(path: str) -> str | None:
    """Why a path is skipped before reading it: vendored or generated code."""
    if VENDORED.search(path):
        return "vendored or third-party code (skipped by default)"
    if GENERATED_NAME.search(path.lower()):
        return "generated, minified or bundled file (skipped by default)"
    return None
