package t
p if { x := 1; x.y == 1 }
q if { x := "s"; x[0] }
