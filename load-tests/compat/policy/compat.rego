# Compatibility probe: one decision shape per value of the request header x-case, so the same
# request can be sent to jrego and to OPA-Envoy and their CheckResponses compared. The "echo"
# cases deny with the whole input document as the body, which compares the input mapping too.
package envoy.authz

case := input.attributes.request.http.headers["x-case"]

allow := true if case == "bool-true"

allow := false if case == "bool-false"

allow := {
	"allowed": true,
	"headers": {"x-one": "1", "x-many": ["a", "b"]},
	"request_headers_to_remove": ["x-remove-me", "x-case"],
	"response_headers_to_add": {"x-resp": "r", "x-resp-many": ["p", "q"]},
	"query_parameters_to_set": {"added": "v", "multi": ["m1", "m2"]},
	"query_parameters_to_remove": ["drop"],
	"dynamic_metadata": {"tenant": "t1", "score": 7, "nested": {"k": [1, "two", null]}},
} if case == "allow-object"

allow := {
	"allowed": true,
	"headers": [{"x-arr": "1"}, {"x-arr": "2"}],
} if case == "allow-header-array"

allow := {"allowed": true, "headers": {"x-set": {"s1", "s2"}}} if case == "allow-header-set"

allow := {
	"allowed": false,
	"http_status": 429,
	"headers": {"retry-after": "30", "content-type": "application/json"},
	"body": json.marshal({"code": "rate_limited"}),
	"dynamic_metadata": {"why": "budget"},
} if case == "deny-object"

allow := {"allowed": false} if case == "deny-default-status"

allow := {"allowed": false, "http_status": 999} if case == "deny-bad-status"

allow := {"allowed": false, "http_status": "403"} if case == "deny-string-status"

allow := {"allowed": "yes"} if case == "allowed-not-boolean"

allow := {"headers": {"x": "1"}} if case == "allowed-missing"

allow := "allow" if case == "wrong-type"

allow := {"allowed": true, "headers": {"x-num": 5}} if case == "header-not-string"

allow := {"allowed": true, "dynamic_metadata": {"decision_id": "from-policy"}} if case == "policy-decision-id"

allow := {"allowed": false, "http_status": 400, "body": json.marshal(input)} if case == "echo"

# Two rules with different values: an evaluation (conflict) error.
allow := true if case == "conflict"

allow := false if case == "conflict"

allow := 1 / 0 > 0 if case == "eval-error"
