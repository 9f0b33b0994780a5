package diff.else_chains

http := input.attributes.request.http

status := 403 if {
	startswith(http.path, "/admin")
} else := 201 if {
	http.method == "POST"
} else := 200 if {
	http.method == "GET"
} else := 405

tier(user) := "gold" if {
	startswith(lower(user), "a")
} else := "silver" if {
	count(user) > 4
} else := "bronze"

user_tier := tier(object.get(http.headers, "x-user", ""))

fallback := x if {
	x := http.headers["x-missing"]
} else := "none"
