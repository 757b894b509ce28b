"""pii-in-logs for Go: secrets (passwords, tokens, API keys, Authorization headers, cookies)
and personal data (emails, phone numbers, card numbers, SSNs), or whole request headers
and bodies, written by the standard `log` package, `fmt.Print*`, logrus, zap (plain and
sugared), zerolog, slog, logr and hclog.

A value is judged by its name (`password`, `user.Email`, `cfg.APIKey`), by the key it is
logged under (`zap.String("token", t)`, `"password", pw` pairs, `logrus.Fields{...}`,
zerolog `.Str("email", e)`), or by the header/form field it was read from
(`r.Header.Get("Authorization")`, `c.PostForm("password")`). Masked forms (`mask(x)`,
`len(x)`, `hash(x)`, `x[:4]`) and safe names (`tokenType`, `passwordLength`, `userID`)
are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.conventions._names import classify as classify_words
from reviewer.rules.golang._go import (
    GoIndex,
    index_for,
    is_test,
    make_match,
    root,
    snake,
    string_value,
)
from reviewer.treesitter import TreeCall, TreeModule

LOG_METHODS = frozenset({
    "Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln",
    "Debug", "Debugf", "Debugw", "Debugln", "Info", "Infof", "Infow", "Infoln", "Warn",
    "Warnf", "Warnw", "Warnln", "Warning", "Warningf", "Warningln", "Error", "Errorf",
    "Errorw", "Errorln", "DPanic", "DPanicf", "DPanicw", "Trace", "Tracef", "Traceln",
    "Msg", "Msgf", "Log", "Logf", "Logw", "LogAttrs", "InfoContext", "DebugContext",
    "WarnContext", "ErrorContext", "With", "WithField", "WithFields", "Str", "Interface",
    "Any", "Strs", "RawJSON", "Stringer", "Fields", "Named", "V",
})
ZEROLOG_LEVELS = frozenset({"Info", "Debug", "Warn", "Error", "Trace", "Fatal", "Panic", "Err",
                            "WithLevel", "Log"})
ZEROLOG_FIELDS = frozenset({"Str", "Interface", "Any", "Strs", "RawJSON", "Stringer", "Fields",
                            "Msg", "Msgf", "Bytes"})
PRINTS = frozenset({"fmt.Print", "fmt.Printf", "fmt.Println"})
LOGGER = re.compile(r"(?i)^(?:log|logger|logging|logrus|zap|slog|zerolog|glog|klog|sugar|"
                    r"sugared|lg|lgr|logr|hclog|l|logg|\w*log|\w*logger)$")
FIELD_HELPERS = re.compile(r"^(?:zap|slog|zapcore|attribute|log|logrus|zerolog)\.\w+$")
MASKING = re.compile(
    r"(?i)mask|redact|hash|sha\d|md5|obfuscat|anonymi|scrub|saniti|censor|truncat|hmac|"
    r"encrypt|digest|hide|fingerprint|partial|last4|^len$|^cap$|^bool$")
REQUEST_WHOLE = re.compile(r"^(?:Header|Form|PostForm|MultipartForm|Cookies\(\)|Trailer)$")
HEADER_READERS = frozenset({"Get", "GetHeader", "FormValue", "PostFormValue", "PostForm",
                            "Query", "DefaultQuery", "QueryParam", "Param", "Cookie", "Values",
                            "DefaultPostForm", "GetString", "Peek"})
BODY_READ = re.compile(r"(?:io|ioutil)\.ReadAll\(\s*(\w+)(?:\.Request(?:\(\))?)?\.Body\s*\)|"
                       r"(\w+)\.(?:GetRawData|Body)\(\)")


@language_check("pii-in-logs", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if is_test(module):
        return []
    index = None
    found = []
    seen: set[int] = set()
    for call in module.calls:
        if not _is_log_call(module, call):
            continue
        if index is None:
            index = index_for(module)
        leak = _leak_in_args(index, call)
        if leak is None:
            continue
        line = module.line(call.node)
        if line in seen:
            continue
        seen.add(line)
        kind, what = leak
        if kind == "secret":
            message = (f"{what} is written to the log: anyone with log access can use it. Log "
                       "an identifier or a masked form instead.")
        elif kind == "personal":
            message = (f"{what} (personal data) is written to the log, where it is kept and "
                       "copied far more widely than the database. Log the user id instead.")
        else:
            message = (f"{what} is written to the log: it carries credentials (cookies, "
                       "Authorization) and personal data. Log the fields you need, masked.")
        found.append(make_match(rule, module, call.node, message))
    return [m for m in found if m is not None]


def classify(name: str) -> str | None:
    return classify_words(snake(name))


def _is_log_call(module: TreeModule, call: TreeCall) -> bool:
    if call.name in PRINTS:
        return True
    if "." not in call.name:
        return False
    attr = call.name.rsplit(".", 1)[-1]
    if attr not in LOG_METHODS:
        return False
    callee = call.callee
    operand = callee.child_by_field_name("operand") if callee.type == "selector_expression" \
        else None
    # walk down the chain to the logger: `logger.WithField(...).Info`, `log.Info().Str`
    while operand is not None and operand.type == "call_expression":
        function = operand.child_by_field_name("function")
        if function is None or function.type != "selector_expression":
            break
        name = module.text_of(function.child_by_field_name("field"))
        if LOGGER.match(name) or name in ("L", "S", "Ctx", "FromContext"):
            return True
        if name in ZEROLOG_LEVELS and attr in ZEROLOG_FIELDS:
            return True  # `logger.Info().Str("email", e)`: a zerolog event
        operand = function.child_by_field_name("operand")
    if operand is None:
        return False
    last = module.text_of(operand).rsplit(".", 1)[-1]
    if last in ("fmt", "t", "b", "errors", "c", "ctx", "w", "r", "tb", "s"):
        return False
    return bool(LOGGER.match(last))


def _leak_in_args(index: GoIndex, call: TreeCall) -> tuple[str, str] | None:
    module = index.module
    args = call.arguments
    for i, arg in enumerate(args):
        if arg.type in ("interpreted_string_literal", "raw_string_literal"):
            key = string_value(module, arg) or ""
            if i + 1 < len(args) and _key_like(key):
                kind = classify(key)
                value = args[i + 1]
                if kind and value.type not in ("interpreted_string_literal",
                                               "raw_string_literal") and not _masked(
                        module, value):
                    return kind, f"`{key}`"
            continue
        leak = _leak(index, arg, call.function, depth=2)
        if leak:
            return leak
    return None


def _key_like(key: str) -> bool:
    return 0 < len(key) <= 40 and "%" not in key and " " not in key.strip()


def _masked(module: TreeModule, node: Node) -> bool:
    if node.type == "slice_expression":
        return True
    if node.type == "call_expression":
        callee = module.text_of(node.child_by_field_name("function"))
        return bool(MASKING.search(callee.rsplit(".", 1)[-1]))
    return False


def _leak(index: GoIndex, node: Node, function: Node | None,
          depth: int) -> tuple[str, str] | None:
    module = index.module
    kind = node.type
    if kind in ("interpreted_string_literal", "raw_string_literal") or _masked(module, node):
        return None
    if kind in ("parenthesized_expression", "unary_expression") and node.named_child_count:
        return _leak(index, node.named_children[-1], function, depth)
    if kind == "identifier":
        name = module.text_of(node)
        if name in ("err", "nil", "true", "false"):
            return None
        found = classify(name)
        if found:
            return found, f"`{name}`"
        if depth > 0 and _request_body(index, node, function):
            return "request", f"The request body (`{name}`)"
        return None
    if kind == "selector_expression":
        field = module.text_of(node.child_by_field_name("field"))
        operand = node.child_by_field_name("operand")
        base = root(node)
        if base is not None and base.type == "identifier" and REQUEST_WHOLE.match(field):
            framework = index.request_params(function).get(module.text_of(base))
            if framework is not None:
                return "request", f"The whole request `{field}` (`{module.text_of(node)}`)"
        found = classify(field)
        if found and operand is not None:
            return found, f"`{module.text_of(node)}`"
        return None
    if kind == "index_expression":
        key = string_value(module, node.child_by_field_name("index"))
        found = classify(key) if key else None
        return (found, f"`{module.text_of(node)}`") if found else None
    if kind == "call_expression":
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments else []
        name = "".join(module.text_of(callee).split()) if callee is not None else ""
        attr = name.rsplit(".", 1)[-1]
        if FIELD_HELPERS.match(name) and len(args) >= 2:
            key = string_value(module, args[0])
            if key:
                found = classify(key)
                if found and not _masked(module, args[1]) and args[1].type not in (
                        "interpreted_string_literal", "raw_string_literal"):
                    return found, f"`{key}`"
                return _leak(index, args[1], function, depth - 1) if depth > 0 else None
        if attr in HEADER_READERS and args:
            key = string_value(module, args[0])
            found = classify(key) if key else None
            if found:
                return found, f"`{module.text_of(node)}`"
            return None
        if name in ("string", "fmt.Sprint", "fmt.Sprintf", "strings.TrimSpace") and args \
                and depth > 0:
            for arg in args:
                leak = _leak(index, arg, function, depth - 1)
                if leak:
                    return leak
        return None
    if kind == "composite_literal":  # logrus.Fields{...}, map[string]any{...}
        body = node.child_by_field_name("body")
        for element in body.named_children if body is not None else []:
            if element.type != "keyed_element" or element.named_child_count < 2:
                continue
            key_node, value = element.named_children[0], element.named_children[-1]
            if key_node.named_child_count:
                key_node = key_node.named_children[0]
            if value.named_child_count and value.type == "literal_element":
                value = value.named_children[0]
            key = string_value(module, key_node)
            found = classify(key) if key else None
            if found and not _masked(module, value) and value.type not in (
                    "interpreted_string_literal", "raw_string_literal"):
                return found, f"`{key}`"
        return None
    return None


def _request_body(index: GoIndex, node: Node, function: Node | None) -> bool:
    """`body, _ := io.ReadAll(r.Body)` with `r` the handler's request (not a response)."""
    requests = index.request_params(function)
    if not requests:
        return False
    for binding in index.bindings(index.module.text_of(node), function, node.start_byte):
        if binding.value is None:
            continue
        found = BODY_READ.search(index.module.text_of(binding.value))
        if found and (found.group(1) or found.group(2)) in requests:
            return True
    return False
