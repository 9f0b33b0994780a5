package t
a := 1
b := "s"
c := {"x": [1, 2]}
d contains 1
f(x) := x + 1
