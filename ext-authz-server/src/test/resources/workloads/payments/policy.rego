package payments.authz

# The payments workload: reads only.
default allow := false

allow if input.attributes.request.http.method == "GET"
