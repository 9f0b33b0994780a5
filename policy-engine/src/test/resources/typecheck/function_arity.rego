package t
f(x) := x
p := f(1, 2, 3)
q := f()
