package fuzz.rules
import rego.v1
default allow := false
allow if { input.method == "GET"; startswith(input.path, "/v1/") }
deny contains msg if { some x in input.xs; x > 3; msg := sprintf("too big: %v", [x]) }
o[k] := v if { some k, v in {"a": 1, "b": [1, 2.5e3, -0.5]} }
f(x) := y if y := x * 2 + 1
g(x) := true if { every y in x { y != null } }
