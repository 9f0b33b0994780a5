package t
a := [1]
p if a["x"]
r := {x | x := a[_]}
s := 1
