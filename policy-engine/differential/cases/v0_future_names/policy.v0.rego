package diff.v0_future_names

# Without future.keywords imports, if, contains, in and every are plain names in Rego v0.
contains[m] { m := input.attributes.request.http.method }

in = x { x := count(contains) }

every = "all"

if { input.attributes.request.http.method == "GET" }

summary = [in, every] { if }
