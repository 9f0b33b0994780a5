package t
a := [1]
p if a["x"]
f(x) := x
q := f(1)
