package diff.undefined_handling

http := input.attributes.request.http

no_user if not http.headers["x-user"]

no_body if not http.body

user := http.headers["x-user"]

user_or_anon := object.get(http.headers, "x-user", "anonymous")

missing_deep := input.a.b.c

not_not if not not_eq

not_eq if http.method != "GET"

principal_ns := split(input.attributes.source.principal, "/")[4]

maybe_count := count(http.headers)

optional := {k: v |
	some k in ["x-user", "x-roles", "x-nope"]
	v := object.get(http.headers, k, null)
}
