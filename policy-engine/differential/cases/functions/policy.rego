package diff.functions

segments(path) := [s | some s in split(path, "/"); s != ""]

api_version(path) := v if {
	parts := segments(path)
	parts[0] == "api"
	v := parts[1]
}

is_write(m) if m in {"POST", "PUT", "PATCH", "DELETE"}

classify(x) := "string" if is_string(x)

classify(x) := "number" if is_number(x)

classify(x) := "other" if {
	not is_string(x)
	not is_number(x)
}

path := split(input.attributes.request.http.path, "?")[0]

out := {
	"segments": segments(path),
	"version": api_version(path),
	"write": is_write(input.attributes.request.http.method),
	"classes": [classify(v) | some v in input.parsed_path],
}

write_or_undefined := is_write(input.attributes.request.http.method)
