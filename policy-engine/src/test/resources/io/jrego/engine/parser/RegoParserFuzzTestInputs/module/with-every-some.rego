package fuzz.w
import future.keywords.in
p if { some i, j; input.a[i][j] == "x"; not q with data.k as 1 }
q if { every k, v in input.o { is_string(k); v >= 0 } }
r := x if { [x, _] := [1, 2] }
z := {"a": [1, {2}, {"b": null}], 1e3: true}
