package t
p if every x in [1, 2] { x > 0 }
q if { some k, v in {"a": 1}; upper(v) }
r if { some x in ["a"]; x + 1 > 0 }
