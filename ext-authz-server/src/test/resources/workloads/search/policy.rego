package search.authz

# The search workload: any method, but only its public path.
default allow := false

allow if startswith(input.attributes.request.http.path, "/search/public")
