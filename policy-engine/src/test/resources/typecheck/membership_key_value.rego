package m2
a if { "k", "x" in ["a"] }
b if { 0, 1 in ["a"] }
c if { x := {"a": 1}; 1, 1 in x }
d if { "a", "b" in {"a": 1} }
