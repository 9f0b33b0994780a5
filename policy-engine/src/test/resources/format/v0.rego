package v0

import future.keywords.in

default allow = false
allow { input.admin }
allow = true { input.owner }
ps[x] { x := input.xs[_] }
po[k] = v { v := input.m[k] }
f(x) = y { y := x + 1 }
m { 1 in input.xs }
