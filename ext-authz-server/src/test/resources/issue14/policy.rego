# Probe policy for HostileRequestsEnvoyEndToEndTest: the request header x-case picks an outcome.
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

# Seconds of work inside one builtin call that allocates little: every position of the body's
# text tried against 50,000 patterns. Far longer than the check's deadline, which must end it.
slow_patterns := {sprintf("<%d>", [i]): "" | some i in numbers.range(1, 50000)}

allow := true if {
	case == "slow"
	count(strings.replace_n(slow_patterns, input.parsed_body.text)) < 0
}
