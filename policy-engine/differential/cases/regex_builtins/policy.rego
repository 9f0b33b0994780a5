package diff.regex_builtins

p := input.attributes.request.http.path

out := {
	"match": regex.match(`^/api/v[0-9]+/`, p),
	"find_n": regex.find_n(`[a-z]+`, p, -1),
	"find_2": regex.find_n(`[0-9]`, p, 2),
	"split": regex.split(`[/?&=]`, p),
	"replace": regex.replace(p, `[0-9]+`, "N"),
	"valid": regex.is_valid(`(unclosed`),
	"submatch": regex.find_all_string_submatch_n(`/(v[0-9])/([a-zA-Z]+)`, p, -1),
	"template": regex.template_match(`/api/{[a-z0-9]+}/users`, "/api/v1/users", "{", "}"),
	"globs": regex.globs_match(`a.+`, `a.*z`),
}

version_ok if regex.match(`^[0-9]+\.[0-9]+\.[0-9]+$`, input.attributes.request.http.headers["x-api-version"])
