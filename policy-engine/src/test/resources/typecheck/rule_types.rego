package t
a := 1
b := "s"
c := {"x": [1, 2]}
d contains 1
p if a == b
q if count(a)
r if c.x[0] == "z"
s if upper(c.x[0])
t if { some x in d; upper(x) }
