package t
a := [1]
b := [2]
p if a["x"]
q := b
r if { b[0] }
