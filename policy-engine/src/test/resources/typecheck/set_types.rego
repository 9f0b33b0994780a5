package t
s := {1, 2}
p if s["a"]
q if { x := {"a"}; x[1] }
