package diff.arrays_builtins

p := input.parsed_path

out := {
	"concat": array.concat(p, ["tail"]),
	"slice": array.slice(p, 1, 3),
	"slice_oob": array.slice(p, 2, 100),
	"reverse": array.reverse(p),
	"first": p[0],
	"last": p[count(p) - 1],
	"flatten": [x | some sub in [[1, 2], [3]]; some x in sub],
	"eq": p == ["api", "v1", "users", "42"],
	"cmp": [[1, 2] < [1, 3], [1] < [1, 0]],
	"index_of_users": [i | some i, s in p; s == "users"],
}

third := p[2]
