package fuzz.v0
allow { input.a[_] = "x" }
p[x] { q[x] }
q = {"a", "b"}
r = x { x := data.y with input as {"z": 1} }
