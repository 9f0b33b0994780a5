package t
f(x) := x
p := data.t.f
