from __future__ import annotations

import ast
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule

# Loaders that build arbitrary Python objects from their input.
OBJECT_LOADERS = frozenset({
    f"{package}.{function}"
    for package in ("pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal")
    for function in ("load", "loads")
} | {
    "pickle.Unpickler", "_pickle.Unpickler", "dill.Unpickler", "jsonpickle.decode",
    "jsonpickle.unpickler.decode",
})
YAML_UNSAFE_ALWAYS = frozenset({
    "yaml.unsafe_load", "yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all",
})
YAML_LOADER_ARG = frozenset({"yaml.load", "yaml.load_all"})
YAML_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
YAML_UNSAFE_LOADERS = frozenset({
    "Loader", "CLoader", "FullLoader", "CFullLoader", "UnsafeLoader", "CUnsafeLoader",
})
ROUND_TRIP = frozenset({"dumps", "dump"})
PACKAGES = frozenset({
    "pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal", "jsonpickle", "yaml",
    "torch", "numpy",
})


class UnsafeDeserialization(Rule):
    id = "unsafe-deserialization"
    title = "Deserialization that can run code"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    category = Category.SECURITY
    cwe = 502
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "pickle, dill, marshal, jsonpickle, `yaml.load` with a full Loader and `torch.load` "
        "without `weights_only=True` rebuild arbitrary objects: a crafted payload (from a "
        "request, a cache, a queue or an uploaded file) runs code in the process as it loads."
    )
    fix = (
        "Use a data-only format (JSON, `yaml.safe_load`, `torch.load(..., weights_only=True)`)"
        " or sign and verify the bytes before unpickling data you did not just write."
    )
    example = Example(
        before="config = yaml.load(request.data, Loader=yaml.Loader)",
        after="config = yaml.safe_load(request.data)",
    )
    references = (
        "https://docs.python.org/3/library/pickle.html#module-pickle",
        "https://pyyaml.org/wiki/PyYAMLDocumentation",
        "https://pytorch.org/docs/stable/generated/torch.load.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        for call in module.calls:
            if call.name.partition(".")[0] not in PACKAGES:
                continue
            problem = self._problem(module, call)
            if problem is None:
                continue
            yield Match(
                rule_id=self.id,
                line=call.node.lineno,
                end_line=call.node.end_lineno or call.node.lineno,
                message=problem,
                code=module.code(call.node),
                scope=call.scope,
            )

    def _problem(self, module: PythonModule, call: CallSite) -> str | None:
        name = call.name
        head = name.split(".", 1)[0]
        if head not in PACKAGES or not _is_module(module, head):
            return None
        if name in OBJECT_LOADERS:
            if _round_trip(module, call):
                return None
            return (f"`{name}()` can execute arbitrary code while loading: never use it on "
                    "data that an attacker could have written or altered.")
        if name in YAML_UNSAFE_ALWAYS:
            return (f"`{name}()` can construct arbitrary Python objects from YAML tags; use "
                    "`yaml.safe_load()`.")
        if name in YAML_LOADER_ARG:
            loader = call.argument(1, "Loader")
            if loader is None:
                if call.has_star_kwargs:
                    return None
                return (f"`{name}()` without a `Loader` (or with the default full loader) can "
                        "build arbitrary Python objects; use `yaml.safe_load()`.")
            verdict = _yaml_loader_unsafe(module, loader)
            if verdict:
                return (f"`{name}()` with `Loader={module.code(loader)}` can construct arbitrary"
                        " Python objects from YAML tags; use `yaml.safe_load()`.")
            return None
        if name == "torch.load":
            weights = call.keyword("weights_only")
            if weights is not None and not (isinstance(weights.value, ast.Constant)
                                            and weights.value.value is False):
                return None
            if weights is None and call.has_star_kwargs:
                return None
            return ("`torch.load()` without `weights_only=True` unpickles the checkpoint: a "
                    "crafted model file runs code. Pass `weights_only=True`.")
        if name == "numpy.load":
            allow = call.keyword("allow_pickle")
            if allow is not None and isinstance(allow.value, ast.Constant) and allow.value.value:
                return ("`numpy.load(allow_pickle=True)` unpickles object arrays: a crafted "
                        "`.npy` file runs code. Keep the default `allow_pickle=False`.")
        return None


def _is_module(module: PythonModule, head: str) -> bool:
    """`pickle.loads` names the module: imported, or at least not a local of that name
    (`yaml = YAML()` from ruamel is a safe loader object)."""
    if module.imports(head):
        return True
    return not any(head in scope for scope in module.assignments.values())


def _round_trip(module: PythonModule, call: CallSite) -> bool:
    """`pickle.loads(pickle.dumps(obj))`: a deep copy of the process's own objects."""
    data = call.node.args[0] if call.node.args else None
    if isinstance(data, ast.Call):
        return module.resolve(data.func).rsplit(".", 1)[-1] in ROUND_TRIP
    return False


def _yaml_loader_unsafe(module: PythonModule, loader: ast.expr) -> bool:
    resolved = module.resolve(loader)
    if not resolved:
        # getattr(yaml, "CSafeLoader", yaml.SafeLoader) and friends
        return False
    last = resolved.rsplit(".", 1)[-1]
    if last in YAML_SAFE_LOADERS:
        return False
    if resolved.startswith("yaml.") and last in YAML_UNSAFE_LOADERS:
        return True
    # A loader class defined here: unsafe when it extends one of the full loaders.
    for cls in module.classes:
        if cls.name == resolved:
            bases = [module.resolve(base) for base in cls.bases]
            if any(b.rsplit(".", 1)[-1] in YAML_SAFE_LOADERS for b in bases):
                return False
            return any(b.startswith("yaml.") and b.rsplit(".", 1)[-1] in YAML_UNSAFE_LOADERS
                       for b in bases)
    return False
