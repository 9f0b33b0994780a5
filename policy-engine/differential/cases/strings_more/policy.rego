package diff.strings_more

user := object.get(input.attributes.request.http.headers, "x-user", "")

out := {
	"title": strings.render_template("hello {{.name}}", {"name": user}),
	"split_empty": split("", ","),
	"split_none": split("abc", ""),
	"unicode_upper": upper(user),
	"bytes_count": count(user),
	"substring_unicode": substring(user, 1, 3),
	"indexof_missing": indexof(user, "zzz"),
	"contains_empty": contains(user, ""),
	"trim_chars": trim("xxhixx", "x"),
	"lower_keys": {lower(k) | some k in ["A", "b", "C"]},
	"join_nums": concat("-", [format_int(n, 10) | some n in [1, 22, 333]]),
	"any_suffix": strings.any_suffix_match(["a.json", "b.yaml"], [".yaml"]),
}
