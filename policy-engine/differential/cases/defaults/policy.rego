package diff.defaults

default allow := false

default limits := {"rpm": 60}

default level := "none"

allow if input.attributes.request.http.method == "GET"

limits := {"rpm": 600} if input.attributes.request.http.headers["x-roles"] == "admin, dev"

level := "elevated" if contains(input.attributes.request.http.headers["x-roles"], "admin")

default f(_) := "default"

f(x) := "even" if x % 2 == 0

calls := [f(1), f(2), f("a")]
