package diff.strings_builtins

p := input.attributes.request.http.path

user := object.get(input.attributes.request.http.headers, "x-user", "nobody")

out := {
	"lower": lower(user),
	"upper": upper(user),
	"trimmed": trim(p, "/"),
	"trim_left": trim_left(p, "/a"),
	"trim_prefix": trim_prefix(p, "/api"),
	"trim_suffix": trim_suffix(p, "s"),
	"split": split(p, "/"),
	"replace": replace(p, "/", "|"),
	"starts": startswith(p, "/api"),
	"ends": endswith(p, "orders"),
	"contains": contains(p, "v1"),
	"indexof": indexof(p, "v"),
	"indexof_n": indexof_n(p, "/"),
	"substring": substring(p, 1, 4),
	"concat": concat(",", [user, p]),
	"count": count(user),
	"reverse": strings.reverse(user),
	"count_sub": strings.count(p, "/"),
	"any_prefix": strings.any_prefix_match(p, ["/admin", "/api"]),
	"replace_n": strings.replace_n({"/": "_", "api": "API"}, p),
	"trim_space": trim_space("  x y  "),
	"format_int": format_int(count(p), 16),
	"sprintf": sprintf("%s has %d chars", [user, count(user)]),
}
