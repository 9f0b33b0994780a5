package diff.comprehensions

headers := input.attributes.request.http.headers

header_names := [k | some k, _ in headers]

x_headers := {k: upper(v) | some k, v in headers; startswith(k, "x-")}

lengths := {count(v) | some v in headers}

pseudo := [k | some k in object.keys(headers); startswith(k, ":")]

skus := {item.sku | some item in input.parsed_body.items}

qty_by_sku := {sku: total |
	some sku in skus
	total := sum([it.qty | some it in input.parsed_body.items; it.sku == sku])
}

nested := [[i, j] | some i in numbers.range(1, 3); some j in numbers.range(i, 3); i != j]
