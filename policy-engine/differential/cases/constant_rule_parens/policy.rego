package diff.constant_rule_parens

# f() := v is the constant rule f, as OPA reads it, not a function of no arguments.
f() := 1

g() = "two"

h() if input.attributes.request.http.method == "GET"

uses_f := f + 1

uses_g := concat("-", [g, g])

uses_h if h
