# Mix (a): a small RBAC policy on method, path and the caller's SPIFFE principal, the shape of
# most OPA-Envoy deployments.
package envoy.authz

default allow := false

roles := {
	"spiffe://cluster.local/ns/shop/sa/frontend": {"reader"},
	"spiffe://cluster.local/ns/shop/sa/checkout": {"reader", "writer"},
	"spiffe://cluster.local/ns/ops/sa/admin": {"reader", "writer", "admin"},
}

permissions := {
	"reader": [{"method": "GET", "prefix": "/api/"}],
	"writer": [{"method": "POST", "prefix": "/api/orders"}, {"method": "PUT", "prefix": "/api/orders/"}],
	"admin": [{"method": "DELETE", "prefix": "/api/"}],
}

allow if {
	some role in roles[input.attributes.source.principal]
	some p in permissions[role]
	p.method == input.attributes.request.http.method
	startswith(input.attributes.request.http.path, p.prefix)
}
