package diff.v0_rbac

default allow = false

roles[r] {
	some i
	r := trim_space(split(input.attributes.request.http.headers["x-roles"], ",")[i])
}

allow {
	roles["admin"]
}

allow {
	roles["viewer"]
	input.attributes.request.http.method == "GET"
}

deny[msg] {
	not allow
	msg := sprintf("user %v denied", [input.attributes.request.http.headers["x-user"]])
}

perms[role] = count(p) {
	p := data.v0perms[role]
}
