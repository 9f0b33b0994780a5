package diff.cidr_checks

addr := input.attributes.source.address.socketAddress.address

internal_ranges := ["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32"]

internal if {
	some r in internal_ranges
	net.cidr_contains(r, addr)
}

matches := net.cidr_contains_matches(internal_ranges, addr)

expanded := net.cidr_expand("192.168.1.0/30")

intersects := net.cidr_intersects("10.0.0.0/8", "10.1.0.0/16")

is_valid := [net.cidr_is_valid(c) | some c in ["10.0.0.0/8", "10.0.0.0/33", "::1/128", "x"]]

merged := net.cidr_merge(["10.0.0.0/25", "10.0.0.128/25", "192.168.0.1"])
