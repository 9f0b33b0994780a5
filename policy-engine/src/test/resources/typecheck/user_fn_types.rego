package t
f(x) := x + 1
p := f("a")
g(x) := upper(x)
q := g(1)
