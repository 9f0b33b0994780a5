package diff.v0_keywords

import future.keywords.in
import future.keywords.if
import future.keywords.contains
import future.keywords.every

method := input.attributes.request.http.method

write_methods := {"POST", "PUT", "DELETE"}

is_write if method in write_methods

headers_upper[k] = upper(v) {
	some k, v in input.attributes.request.http.headers
	startswith(k, "x-")
}

notes contains n if {
	some seg in input.parsed_path
	count(seg) > 3
	n := concat(":", ["long", seg])
}

all_short if {
	every seg in input.parsed_path {
		count(seg) < 10
	}
}
