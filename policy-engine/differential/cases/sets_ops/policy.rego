package diff.sets_ops

roles := {trim_space(r) | some r in split(object.get(input.attributes.request.http.headers, "x-roles", ""), ",")}

privileged := {"admin", "root", "ops"}

out := {
	"union": roles | privileged,
	"intersection": roles & privileged,
	"difference": roles - privileged,
	"union_fn": union({roles, {"x"}, set()}),
	"intersection_fn": intersection({privileged, {"ops", "admin", "dev"}}),
	"count": count(roles),
	"sorted": sort(roles),
	"has_admin": "admin" in roles,
	"subset": object.subset({"a": 1, "b": 2}, {"a": 1}),
	"mixed": {1, "1", [1], {"a": 1}, null, false},
	"empty": set(),
}
