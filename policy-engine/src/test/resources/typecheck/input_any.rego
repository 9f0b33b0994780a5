package t
p if count(input.x) > 0
q if upper(input.y.z)
r if input.a + 1 > input.b
s := object.get(input, "x", 1)
