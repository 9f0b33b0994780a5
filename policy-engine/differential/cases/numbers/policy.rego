package diff.numbers

items := object.get(input, ["parsed_body", "items"], [])

total := sum([line | some it in items; line := it.qty * it.price])

out := {
	"total": total,
	"rounded": round(total),
	"ceil": ceil(total),
	"floor": floor(total),
	"abs": abs(-3.25),
	"div": 10 / 4,
	"int_div": 10 / 5,
	"rem": 10 % 3,
	"float_add": 0.1 + 0.2,
	"big": 12345678901234567890 * 10,
	"neg": -7 / 2,
	"range": numbers.range(5, 1),
	"range_step": numbers.range_step(0, 10, 3),
	"to_number": to_number("12.50"),
	"to_number_bool": to_number(true),
	"format_int": format_int(255.9, 2),
	"exp": 1e3 + 1,
	"cmp": [1 == 1.0, 2 < 10, "10" < "9"],
	"count_path": count(input.attributes.request.http.path) * 3,
}

bad_number := to_number("abc")
