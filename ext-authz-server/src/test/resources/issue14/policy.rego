# Probe policy for Issue14EnvoyEndToEndTest: the request header x-case picks an outcome.
package envoy.authz

case := input.attributes.request.http.headers["x-case"]

default allow := {"allowed": false, "http_status": 403, "body": "default"}

allow := true if case == "allow"

# Who jrego says the caller is (with --trust-xfcc, possibly from x-forwarded-client-cert).
allow := {"allowed": true, "headers": {"x-seen-spiffe": input.spiffe.id}} if {
	case == "whoami"
	input.spiffe.id
}

allow := {"allowed": false, "http_status": 401, "body": "no identity"} if {
	case == "whoami"
	not input.spiffe
}

# Two rules with different values: an evaluation error.
allow := true if case == "conflict"

allow := false if case == "conflict"

# A hundred million steps that allocate nothing: far longer than the check's deadline.
allow := true if {
	case == "slow"
	some i in numbers.range(1, 10000)
	some j in numbers.range(1, 10000)
	i + j < 0
}
