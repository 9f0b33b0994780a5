package diff.type_checks

vals := [
	input.attributes.request.http.method,
	input.parsed_path,
	input.parsed_query,
	object.get(input, "parsed_body", null),
	input.truncated_body,
	count(input.parsed_path),
	{"a"},
]

out := {
	"names": [type_name(v) | some v in vals],
	"strings": [is_string(v) | some v in vals],
	"numbers": [is_number(v) | some v in vals],
	"arrays": [is_array(v) | some v in vals],
	"objects": [is_object(v) | some v in vals],
	"sets": [is_set(v) | some v in vals],
	"bools": [is_boolean(v) | some v in vals],
	"nulls": [is_null(v) | some v in vals],
}

body_types := [type_name(x) | some x in input.parsed_body]
