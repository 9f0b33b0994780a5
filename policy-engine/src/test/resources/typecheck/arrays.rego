package t
a := [1, 2, 3]
p if a["x"]
q if a[0] == "s"
r if { a[i]; upper(i) }
