package diff.object_builtins

headers := input.attributes.request.http.headers

out := {
	"keys": object.keys(headers),
	"removed": object.remove(headers, [":method", ":path", "authorization"]),
	"filtered": object.filter(headers, {"x-user", "x-roles", "absent"}),
	"union": object.union({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}, "d": headers["x-user"]}),
	"union_n": object.union_n([{"a": 1}, {"b": 2}, {"a": 3}]),
	"get_path": object.get(input, ["attributes", "request", "http", "method"], "none"),
	"get_missing": object.get(input, ["attributes", "nope", "x"], "none"),
	"nested_keys": {k | some k, v in input.attributes; is_object(v)},
}
