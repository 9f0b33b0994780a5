package diff.object_rules

http := input.attributes.request.http

headers_to_add[k] := v if {
	some h, v in http.headers
	startswith(h, "x-")
	k := concat("-", ["x-forwarded", substring(h, 2, -1)])
}

headers_to_add["x-ext-authz"] := "jrego"

status_by_method := {"GET": 200, "POST": 201, "DELETE": 403}

result := {
	"allowed": object.get(status_by_method, http.method, 404) < 400,
	"headers": headers_to_add,
	"http_status": object.get(status_by_method, http.method, 404),
}

nested.a.b := 1

nested.a.c := http.method
