package diff.v0_in_without_import

# `some x in xs` needs `import future.keywords.in` in v0: rego_parse_error with OPA's hint.
allow { some m in ["GET", "HEAD"]; input.attributes.request.http.method == m }
