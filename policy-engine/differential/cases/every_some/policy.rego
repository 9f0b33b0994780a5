package diff.every_some

headers := input.attributes.request.http.headers

required := ["x-user", "x-roles"]

has_required if {
	every h in required {
		headers[h]
	}
}

all_lowercase_names if {
	every k, _ in headers {
		k == lower(k)
	}
}

some_admin if {
	some r in split(headers["x-roles"], ",")
	trim_space(r) == "admin"
}

every_item_positive if {
	every item in input.parsed_body.items {
		item.qty > 0
		item.price > 0
	}
}

empty_every if {
	every x in [] { x == 1 }
}

pairs contains [i, x] if some i, x in input.parsed_path
