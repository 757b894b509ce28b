import subprocess
import sys


def test_importing_the_engine_does_not_import_django():
    code = (
        "import sys, reviewer, reviewer.engine, reviewer.cli, reviewer.rules;"
        "reviewer.rules.all_rules();"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'dashboard'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def imported_modules(path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_only_the_git_module_imports_gitpython():
    from pathlib import Path

    root = Path(__file__).parent.parent
    importers = sorted(
        str(p.relative_to(root))
        for folder in ("reviewer", "dashboard")
        for p in (root / folder).rglob("*.py")
        if any(name == "git" or name.startswith("git.") for name in imported_modules(p))
    )
    assert importers == ["reviewer/git.py"]
