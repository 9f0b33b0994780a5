package diff.aggregates

items := object.get(input, ["parsed_body", "items"], [])

qtys := [it.qty | some it in items]

out := {
	"count": count(items),
	"sum": sum(qtys),
	"product": product(qtys),
	"max": max(qtys),
	"min": min(qtys),
	"sort": sort(qtys),
	"sum_empty": sum([]),
	"max_set": max({3, 1, 2}),
	"count_str": count("héllo"),
	"count_obj": count(input.attributes),
	"all_positive": count([q | some q in qtys; q <= 0]) == 0,
}

body_values := [x | some x in input.parsed_body; is_number(x)]

body_sum := sum(body_values)
