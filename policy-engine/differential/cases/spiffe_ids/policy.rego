package diff.spiffe_ids

principal := input.attributes.source.principal

parts := split(trim_prefix(principal, "spiffe://"), "/")

trust_domain := parts[0]

namespace := parts[2] if parts[1] == "ns"

service_account := parts[4] if parts[3] == "sa"

same_domain if {
	dest := input.attributes.destination.principal
	split(trim_prefix(dest, "spiffe://"), "/")[0] == trust_domain
}

allowed_callers := {"spiffe://cluster.local/ns/web/sa/frontend", "spiffe://cluster.local/ns/shop/sa/checkout"}

allow if principal in allowed_callers

decision := {"allow": allow, "ns": namespace} if allow else := {"allow": false}
