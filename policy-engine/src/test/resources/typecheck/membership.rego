package m
p if { x := "a"; x in {1} }
q if { "a" in [1] }
r if { x := "a"; x in ["b", 1] }
s if { 1 in {"a": 2} }
t if { some k, v in {"a": 1}; [k, v] in [["a", "b"]] }
u if { x := "a"; not x in {1} }
