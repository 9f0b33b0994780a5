package t
a := [1]
p if a["x"]
q := a
r if { true }
