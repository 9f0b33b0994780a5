package diff.path_glob

path := split(input.attributes.request.http.path, "?")[0]

public_patterns := ["/health", "/api/*/docs/**", "/static/**"]

user_patterns := ["/api/v1/users/*", "/api/v?/orders", "/api/{v1,v2}/Users/*"]

public if {
	some p in public_patterns
	glob.match(p, ["/"], path)
}

user_route contains p if {
	some p in user_patterns
	glob.match(p, ["/"], path)
}

any_char_match := glob.match("*.example.com", ["."], input.attributes.request.http.host)

quoted := glob.quote_meta("/api/*/[x]")
