package rules

import rego.v1
import future.keywords.in

default allow := false
allow := true if input.admin
allow = true if { input.owner }
x = 1
f(a) = b if { b := a }
g(a) if a > 1
h(a) := 1 if a else := 2 if { a == 0 } else := 3
k := 1 if {
	input.a
} else := 2 if {
	input.b
}
else := 3
ps contains v if { some v in input.vs }
pm[k] := v if { some k, v in input.m }
pr["name"] := 1 if true
t if true
every_one if { every v in input.vs { v > 0 } }
every_two if {
	every k, v in input.m {
		k != v
		v > 0
	}
}
some_decl if {
	some a, b
	a := 1
	b := a
}
withs if { allow with input as {"admin": true} with data.x as 1 }
long_withs if {
	allow with input as {"admin": true}
		with data.x as 1
}
nots if { not input.a }
member if { 1 in input.vs; "k", 1 in input.m }
