package t
a := [1]
b := 1
p if a["x"]
r := a if { b }
