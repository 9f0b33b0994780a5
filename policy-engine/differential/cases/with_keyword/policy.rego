package diff.with_keyword

allow if {
	input.attributes.request.http.method == "GET"
	data.diff.with_keyword.allowed_users[input.attributes.request.http.headers["x-user"]]
}

allowed_users := {"alice": true}

as_bob if {
	allow with input.attributes.request.http.headers["x-user"] as "bob"
}

as_get if {
	allow with input.attributes.request.http.method as "GET"
		with data.diff.with_keyword.allowed_users as {"Bob": true, "alice": true, "Émilie Ünïcödé": true}
}

mocked_upper := x if {
	x := upper("abc") with upper as lower
}

double(x) := x * 2

mock_double(x) := x * 3

mocked_fn := y if {
	y := double(2) with double as mock_double
}

real := allow
