package diff.v0_else

default status = 500

status = 403 {
	startswith(input.attributes.request.http.path, "/admin")
} else = 200 {
	input.attributes.request.http.method == "GET"
} else = 202

f(x) = y {
	y := x * 2
}

doubled = [f(n) | n := numbers.range(1, 3)[_]]

obj = {"a": 1, "b": [1, 2]}

keys[k] {
	obj[k]
}
