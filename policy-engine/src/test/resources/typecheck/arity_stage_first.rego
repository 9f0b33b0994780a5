package t
p if { x := 1 ; x.foo }
q if { z := 1; count(z, 1, 2) }
