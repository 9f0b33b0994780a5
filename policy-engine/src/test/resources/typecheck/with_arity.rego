package t
p if { count([1]) with count as concat }
f(x) := x
q if { f(1) with f as concat }
