"""tls-verification-disabled for Go: `InsecureSkipVerify: true` in a `tls.Config` literal, or
`cfg.InsecureSkipVerify = true` (also `TLSClientConfig.InsecureSkipVerify = true`).

Not reported: a literal that also sets `VerifyPeerCertificate` or `VerifyConnection` (the
code verifies the chain itself, e.g. certificate pinning), a value that is not the constant
`true` (a flag from configuration), and test files.
"""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.golang._go import is_test, make_match
from reviewer.treesitter import TreeModule

FIELD = "InsecureSkipVerify"
QUERY = f"""
(keyed_element . (literal_element (identifier) @key (#eq? @key "{FIELD}"))
               . (literal_element (true))) @element
(assignment_statement
  left: (expression_list (selector_expression field: (field_identifier) @field
                                              (#eq? @field "{FIELD}")))
  right: (expression_list (true))) @assign
"""
CUSTOM_VERIFY = ("VerifyPeerCertificate", "VerifyConnection")
MESSAGE = ("`InsecureSkipVerify: true` turns off certificate and host name checks: anyone on "
           "the network path can impersonate the server and read or alter the traffic. Trust "
           "the server's CA with `RootCAs` instead.")


@language_check("tls-verification-disabled", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if FIELD not in module.text or is_test(module):
        return []
    found = []
    captures = module.captures(QUERY)
    for element in captures.get("element", []):
        literal = element.parent
        if literal is not None and any(
                name in module.text_of(literal) for name in CUSTOM_VERIFY):
            continue
        found.append(make_match(rule, module, element, MESSAGE))
    for assign in captures.get("assign", []):
        function = module.enclosing_function(assign)
        if function is not None and any(f".{name}" in module.text_of(function)
                                        for name in CUSTOM_VERIFY):
            continue
        found.append(make_match(rule, module, assign, MESSAGE.replace(
            "`InsecureSkipVerify: true`", "Setting `InsecureSkipVerify = true`")))
    return [m for m in found if m is not None]
