package diff.v0_chained_bodies

# Each further body is a rule of its own with the same head: p = x { A } { B }.
method = m { m := "get"; input.attributes.request.http.method == "GET" } { m := "other"; input.attributes.request.http.method != "GET" }

deny { input.attributes.request.http.method == "DELETE" } {
	input.attributes.request.http.headers["x-user"] == "mallory"
}

tags[t] { t := "read"; input.attributes.request.http.method == "GET" } { t := "any" }

double(x) = y { y := x * 2 } { false; y := 0 }

doubled := double(21)
