package diff.rbac_headers

# Roles come from a comma-separated header; permissions from data.
default allow := false

roles contains trim_space(r) if {
	some r in split(input.attributes.request.http.headers["x-roles"], ",")
	trim_space(r) != ""
}

method := input.attributes.request.http.method

path := split(input.attributes.request.http.path, "?")[0]

allow if {
	some role in roles
	some perm in data.roles[role]
	perm.method in {method, "*"}
	startswith(path, perm.prefix)
}

granted_by contains role if {
	some role in roles
	some perm in data.roles[role]
	perm.method == method
}
