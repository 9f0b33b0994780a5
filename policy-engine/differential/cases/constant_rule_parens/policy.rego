package diff.constant_rule_parens

# f() := v is the constant rule f, as OPA reads it, not a function of no arguments.
f() := 1

g() = "two"

h() if input.attributes.request.http.method == "GET"

uses_f := f + 1

uses_g := concat("-", [g, g])

uses_h if h

# Called with (), a rule that is no function gives its value, as OPA evaluates it when its type
# checker cannot tell (the value depends on input).
method() := m if m := input.attributes.request.http.method

called := method()
