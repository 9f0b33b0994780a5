package t
f(x) := x
f := 1
