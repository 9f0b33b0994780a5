package diff.template_escapes

# \{ is a literal brace in a template string; JSON's escapes work as in strings.
a := $"\{42}"

b := $"foo \{42} bar {input.attributes.request.http.method}"

c := $"\{{count([1, 2])}"

d := $"tab\t\u00e9\"q\" \\ \/ {1 + 1}"

e := $`raw \{ {input.attributes.request.http.method} \n`
