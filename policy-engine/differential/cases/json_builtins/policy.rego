package diff.json_builtins

headers := input.attributes.request.http.headers

body := json.unmarshal(input.attributes.request.http.body) if json.is_valid(input.attributes.request.http.body)

marshalled := json.marshal({"user": object.get(headers, "x-user", ""), "n": [1, 2.5, "x"]})

indent := json.marshal_with_options({"b": [1, 2], "a": "<&>"}, {"pretty": true, "indent": "  "})

filtered := json.filter(input.attributes.request, ["http/method", "http/headers/x-user"])

removed := object.keys(json.remove(input.attributes.request.http, ["headers", "body", "path"]))

patched := json.patch({"a": {"b": 1}}, [
	{"op": "add", "path": "/a/c", "value": headers["x-roles"]},
	{"op": "replace", "path": "/a/b", "value": 2},
])

roundtrip := json.unmarshal(json.marshal(input.parsed_path))

yaml_out := yaml.marshal({"k": [1, "two"]})

yaml_in := yaml.unmarshal("a: 1\nb: [x, y]\n")
