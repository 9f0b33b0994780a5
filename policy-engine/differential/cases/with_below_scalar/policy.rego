package diff.with_below_scalar

# with on a path below a scalar or an array replaces it with an object, as OPA does.
whole := x if {
	x := data.cfg with data.cfg.limit.max as 5
}

limit := x if {
	x := data.cfg.limit with data.cfg.limit.max as 5
}

max := x if {
	x := data.cfg.limit.max with data.cfg.limit.max as 5
}

keys := x if {
	x := [k | some k, _ in data.cfg.limit] with data.cfg.limit.max as 5
}

arr := x if {
	x := data.arr with data.arr.k as 1
}

arr_values := x if {
	x := [v | some v in data.arr] with data.arr.k as 1
}

flag := x if {
	x := data.cfg.flag with data.cfg.flag.on as input.attributes.request.http.method
}

merged := x if {
	x := data.cfg with data.cfg.limit as {"a": 1} with data.cfg.limit.b as 2
}

input_below := x if {
	x := input.attributes.request.http.method with input.attributes.request.http.method.x as 1
}
