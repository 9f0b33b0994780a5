package t
f(x) := x
f(x, y) := x
