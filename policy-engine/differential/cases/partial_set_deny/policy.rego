package diff.partial_set_deny

http := input.attributes.request.http

deny contains "missing user" if not http.headers["x-user"]

deny contains msg if {
	http.method in {"DELETE", "PUT"}
	msg := sprintf("method %s not allowed", [http.method])
}

deny contains msg if {
	some seg in input.parsed_path
	seg == ".."
	msg := "path traversal"
}

deny contains msg if {
	not startswith(input.attributes.source.principal, "spiffe://cluster.local/")
	msg := "foreign principal"
}

allow if count(deny) == 0

reasons := concat("; ", sort(deny))
