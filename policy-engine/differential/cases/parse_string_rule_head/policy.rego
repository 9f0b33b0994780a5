package diff.parse_string_rule_head

# A rule name is never a string: rego_parse_error.
"allow" := true
