package diff.query_params

raw_path := input.attributes.request.http.path

query_string := split(raw_path, "?")[1]

parsed := urlquery.decode_object(query_string)

expand if input.parsed_query.expand[0] == "true"

fields := split(input.parsed_query.fields[0], ",")

limit := to_number(input.parsed_query.limit[0])

limits := [to_number(l) | some l in input.parsed_query.limit]

url := parse_url if {
	parse_url := {"scheme": input.attributes.request.http.scheme, "host": lower(input.attributes.request.http.host)}
}
