package diff.walk_nested

paths contains p if {
	walk(input.attributes.request, [p, v])
	is_string(v)
	count(p) == 3
}

leaf_count := count([v | walk(input.attributes, [_, v]); not is_object(v); not is_array(v)])

reachable := graph.reachable({"a": ["b"], "b": ["c"], "c": [], "d": ["a"]}, ["a"])

nested := {"a": {"b": {"c": input.parsed_path}}}

deep := nested.a.b.c[1]

refs := [x | x := input.attributes.request.http.headers[k]; startswith(k, ":")]
