package t
p if { x := y; y := z }
q if { count(w) }
