package diff.http_response

http := input.attributes.request.http

allowed if http.method in {"GET", "POST"}

body := json.marshal({"error": "forbidden", "path": http.path, "method": http.method})

result := {"allowed": true, "headers": {"x-checked-by": "jrego"}} if allowed

result := {
	"allowed": false,
	"http_status": 403,
	"body": body,
	"headers": {"content-type": "application/json"},
	"response_headers_to_add": {"x-deny-reason": "method"},
} if not allowed
