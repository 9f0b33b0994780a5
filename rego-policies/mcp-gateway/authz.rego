# mcp-gateway: access control in front of MCP servers (Streamable HTTP transport).
#
# The Check decision is data.mcp.authz.allow (serve with --path mcp/authz/allow), an object in
# the shape opa-envoy-plugin reads. Checks run in a fixed order and the first that fails answers:
#   1. identity   a SPIFFE id in our trust domain and a canonical path, else 403
#   2. token      when data says oauth.required: a bearer token for this resource (issuer,
#                 signature, audience, expiry), else 401 with WWW-Authenticate
#   3. message    one JSON-RPC 2.0 object (no batch), else 400 / -32600
#   4. version    MCP-Protocol-Version supported, else 400 / -32022; from the revision that
#                 mirrors the method into headers (2026-07-28), Mcp-Method and Mcp-Name must
#                 match the body, else 400 / -32020
#   5. method     in data.methods, else a denial
#   6. target     tools/call, resources/read, prompts/get: a grant matches the caller and the
#                 target and no deny does (deny wins), else a denial
#   7. arguments  tools/call: the tool's arguments_schema holds; strings in the arguments carry
#                 no prompt injection (jrego.injection.scan), else a denial
# A denial is, by data.denial, a JSON-RPC error carrying the request's id ("jsonrpc": HTTP 200,
# code -32001, or -32602 for arguments) or an HTTP answer ("http": 403 with WWW-Authenticate
# insufficient_scope naming the scopes that would allow it). Other paths are open to callers
# with an identity (e.g. the OAuth protected resource metadata).
#
# Runs on jrego; real OPA runs it too (opa test --capabilities rego-policies/capabilities/jrego.json)
# except the argument scan, which calls jrego.injection.scan.
package mcp.authz

cfg := data.mcp_gateway

default allow := {
	"allowed": false,
	"http_status": 403,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": "{\"code\":\"policy_denied\",\"reason\":\"no decision\"}",
}

allow := http_deny(403, identity_problem) if {
	identity_problem
} else := allow_response if {
	not is_mcp
} else := token_deny if {
	token_problem
} else := jsonrpc_deny(400, -32600, message_problem) if {
	message_problem
} else := jsonrpc_deny(400, -32022, version_problem) if {
	version_problem
} else := jsonrpc_deny(400, -32020, mirror_problem) if {
	mirror_problem
} else := denial(-32001, access_problem) if {
	access_problem
} else := denial(-32602, argument_problem) if {
	argument_problem
} else := allow_response

allow_response := {
	"allowed": true,
	"headers": {"x-jrego-caller": caller},
	"request_headers_to_remove": ["x-jrego-caller"],
}

deny_headers := {"content-type": "application/json", "x-jrego-decision": "deny"}

http_deny(status, reason) := {
	"allowed": false,
	"http_status": status,
	"headers": deny_headers,
	"body": json.marshal({"code": "policy_denied", "reason": reason}),
}

# The JSON-RPC error for the request, with its id (null when it had none).
jsonrpc_deny(status, code, reason) := {
	"allowed": false,
	"http_status": status,
	"headers": deny_headers,
	"body": json.marshal({
		"jsonrpc": "2.0",
		"id": request_id,
		"error": {"code": code, "message": reason},
	}),
}

denial(code, reason) := jsonrpc_deny(200, code, reason) if {
	cfg.denial == "jsonrpc"
	is_object(body)
} else := {
	"allowed": false,
	"http_status": 403,
	"headers": object.union(deny_headers, {"www-authenticate": insufficient_scope_challenge}),
	"body": json.marshal({"code": "policy_denied", "reason": reason}),
}

# ---------------------------------------------------------------------------------------
# Identity: jrego's verified input.spiffe first, then what OPA-Envoy provides.

caller := input.spiffe.id if {
	non_empty_string(input.spiffe.id)
} else := input.source_principal if {
	non_empty_string(input.source_principal)
} else := input.attributes.source.principal if {
	non_empty_string(input.attributes.source.principal)
}

non_empty_string(s) if {
	is_string(s)
	s != ""
}

trust_domain_prefix := concat("", ["spiffe://", cfg.trust_domain, "/"])

identity_problem := "no verified caller identity" if {
	not caller
} else := sprintf("caller is not in trust domain %s", [cfg.trust_domain]) if {
	not startswith(caller, trust_domain_prefix)
} else := "non-canonical request path" if {
	dot_segment
}

# ---------------------------------------------------------------------------------------
# Request.

headers := object.get(input.attributes.request.http, "headers", {})

method_http := object.get(input.attributes.request.http, "method", "")

# The path the upstream routes to, normalised as ai-gateway's policy.rego does (see its
# comments): OPA-Envoy's parsed_path (else the raw path cut at "?"), "\\", "%2F" and "%5C" as
# separators, a segment cut at ";" or NUL, trailing dots and white space dropped, lower case,
# empty segments dropped. So "/MCP;x=1/" and "//mcp%2F" are "/mcp" here, as a server that strips
# path parameters routes them. A segment of only dots and spaces is refused as non-canonical.
path_segments := input.parsed_path if {
	is_array(input.parsed_path)
} else := split(split(object.get(input.attributes.request.http, "path", ""), "?")[0], "/")

separator_escapes := {"\\": "/", "%2F": "/", "%2f": "/", "%5C": "/", "%5c": "/", "%3B": ";", "%3b": ";"}

bare_segments := [split(split(part, ";")[0], "\u0000")[0] |
	some s in path_segments
	some part in split(separated(s), "/")
]

separated(s) := strings.replace_n(separator_escapes, s) if {
	some c in ["%", "\\"]
	contains(s, c)
} else := s

trailing_junk := ". \t\r\n\u000b\f"

request_path := concat("/", array.concat([""], [lower(t) |
	some s in bare_segments
	t := trim_right(s, trailing_junk)
	t != ""
]))

dot_segment if {
	some s in bare_segments
	s != ""
	trim(s, trailing_junk) == ""
}

is_mcp if request_path in {lower(trim_right(p, "/")) | some p in cfg.paths}

body := input.parsed_body

# The id a JSON-RPC error must carry: the request's, or null when it had none or was unreadable.
request_id := id if {
	is_object(body)
	id := body.id
} else := null

rpc_method := body.method if is_string(body.method)

rpc_params := object.get(body, "params", {})

# The name a call is about: params.name for tools and prompts, params.uri for resources.
target_field := {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}

target_kind := {"tools/call": "tools", "prompts/get": "prompts", "resources/read": "resources"}

target := rpc_params[target_field[rpc_method]]

# GET opens a stream for server messages and DELETE ends a session: they carry no JSON-RPC body.
message_problem := "the request body is too large to inspect" if {
	method_http == "POST"
	input.truncated_body == true
} else := "batched JSON-RPC messages are not accepted" if {
	method_http == "POST"
	is_array(body)
} else := "the body is not a JSON-RPC 2.0 message" if {
	method_http == "POST"
	not body.jsonrpc == "2.0"
} else := sprintf("%s needs params.%s, a string", [rpc_method, target_field[rpc_method]]) if {
	method_http == "POST"
	not is_string(object.get(rpc_params, target_field[rpc_method], null))
} else := sprintf("HTTP method %s is not used by MCP", [method_http]) if {
	not method_http in {"POST", "GET", "DELETE"}
}

# ---------------------------------------------------------------------------------------
# Protocol version and the headers that mirror the body (2026-07-28 and later).

version := headers["mcp-protocol-version"]

effective_version := version if {
	version
} else := cfg.protocol.version_when_absent

version_problem := "MCP-Protocol-Version header is missing" if {
	not version
	cfg.protocol.require_version_header
	not rpc_method == "initialize"
	method_http == "POST"
} else := sprintf("unsupported MCP-Protocol-Version %s (supported: %s)", [effective_version, concat(", ", cfg.protocol.supported_versions)]) if {
	version
	not effective_version in cfg.protocol.supported_versions
}

mirrors_headers if effective_version >= cfg.protocol.mirrored_headers_from

# Non-ASCII header values travel as =?base64?...?=.
header_value(v) := base64.decode(trim_suffix(trim_prefix(v, "=?base64?"), "?=")) if {
	startswith(v, "=?base64?")
	endswith(v, "?=")
} else := v

mirror_problem := "Mcp-Method header does not match the body's method" if {
	mirrors_headers
	method_http == "POST"
	rpc_method
	not header_value(object.get(headers, "mcp-method", "")) == rpc_method
} else := "Mcp-Name header does not match the body" if {
	mirrors_headers
	method_http == "POST"
	target
	not header_value(object.get(headers, "mcp-name", "")) == target
}

# ---------------------------------------------------------------------------------------
# OAuth (MCP's authorization rules): a bearer token issued for this resource by a listed issuer.

bearer := substring(auth, 7, -1) if {
	auth := headers.authorization
	lower(substring(auth, 0, 7)) == "bearer "
}

unverified_claims := claims if [_, claims, _] := io.jwt.decode(bearer)

# decode_verify checks the signature, expiry and not-before, that the issuer is the one named and
# that the audience includes this resource (RFC 8707: a token for another server is refused).
token_claims := claims if {
	unverified_claims.iss in cfg.oauth.issuers
	constraints := object.union(cfg.oauth.verification, {
		"iss": unverified_claims.iss,
		"aud": cfg.oauth.resource,
		"time": time.now_ns(),
	})
	[true, _, claims] = io.jwt.decode_verify(bearer, constraints)
}

audience_is_ours if cfg.oauth.resource == unverified_claims.aud

audience_is_ours if cfg.oauth.resource in unverified_claims.aud

token_problem := "missing bearer token" if {
	cfg.oauth.required
	not bearer
} else := "bearer token was not issued for this resource" if {
	cfg.oauth.required
	not token_claims
	unverified_claims
	not audience_is_ours
} else := "invalid bearer token" if {
	cfg.oauth.required
	not token_claims
}

token_deny := {
	"allowed": false,
	"http_status": 401,
	"headers": object.union(deny_headers, {"www-authenticate": challenge}),
	"body": json.marshal({"code": "unauthorized", "reason": token_problem}),
} if {
	challenge := sprintf("Bearer error=\"invalid_token\", resource_metadata=\"%s\"", [cfg.oauth.resource_metadata])
	bearer
} else := {
	"allowed": false,
	"http_status": 401,
	"headers": object.union(deny_headers, {"www-authenticate": sprintf("Bearer resource_metadata=\"%s\"", [cfg.oauth.resource_metadata])}),
	"body": json.marshal({"code": "unauthorized", "reason": token_problem}),
}

# Scopes: the "scope" claim (space separated, RFC 9068) or an "scp" array.
token_scopes contains s if {
	some s in split(token_claims.scope, " ")
	s != ""
}

token_scopes contains s if some s in token_claims.scp

# ---------------------------------------------------------------------------------------
# Grants and denies: each names who (spiffe: id globs; scopes: any of them; claims: all equal;
# what is absent matches everyone) and what (tools, resources, prompts: name or URI globs).

matches_who(rule) if {
	who_spiffe(rule)
	who_scopes(rule)
	who_claims(rule)
}

who_spiffe(rule) if not rule.spiffe

who_spiffe(rule) if {
	some pattern in rule.spiffe
	glob.match(pattern, ["/"], caller)
}

who_scopes(rule) if not rule.scopes

who_scopes(rule) if {
	some s in rule.scopes
	s in token_scopes
}

who_claims(rule) if not rule.claims

who_claims(rule) if {
	rule.claims
	every k, v in rule.claims {
		token_claims[k] == v
	}
}

matches_what(rule, kind, name) if {
	some pattern in object.get(rule, kind, [])
	glob.match(pattern, null, name)
}

# Whether the caller may use the named tool, resource or prompt ("tools", "resources", "prompts").
permitted(kind, name) if {
	some g in cfg.grants
	matches_who(g)
	matches_what(g, kind, name)
	not forbidden(kind, name)
}

forbidden(kind, name) if {
	some d in cfg.denies
	matches_who(d)
	matches_what(d, kind, name)
}

access_problem := sprintf("method %s is not allowed", [rpc_method]) if {
	method_http == "POST"
	rpc_method
	not rpc_method in cfg.methods
} else := sprintf("resource URI %s has dot segments", [json.marshal(target)]) if {
	rpc_method == "resources/read"
	dotted_uri
} else := sprintf("caller may not use %s %s", [trim_suffix(target_kind[rpc_method], "s"), json.marshal(target)]) if {
	target
	not permitted(target_kind[rpc_method], target)
} else := "caller has no MCP grant" if {
	not some_grant
}

# A resource glob such as "docs://public/*" must not admit "docs://public/../secret": a URI
# with "." or ".." segments (also percent-encoded, or behind "\\") is refused whatever the grants.
dotted_uri if {
	some seg in split(replace(lower(target), "\\", "/"), "/")
	seg in {".", "..", "%2e", "%2e%2e", ".%2e", "%2e."}
}

some_grant if {
	some g in cfg.grants
	matches_who(g)
}

# The scopes that would have allowed this target, for WWW-Authenticate insufficient_scope.
needed_scopes := sort({s |
	some g in cfg.grants
	target
	matches_what(g, target_kind[rpc_method], target)
	some s in g.scopes
})

insufficient_scope_challenge := sprintf(
	"Bearer error=\"insufficient_scope\", scope=\"%s\", resource_metadata=\"%s\"",
	[concat(" ", needed_scopes), cfg.oauth.resource_metadata],
)

# ---------------------------------------------------------------------------------------
# Tool arguments: the tool's JSON Schema from data, then an injection scan of their strings
# (a model writes them; an instruction in them is meant for the tool's next reader).

tool_arguments := object.get(rpc_params, "arguments", {})

argument_problem := sprintf("arguments of %s: %s", [target, concat("; ", sort(schema_errors))]) if {
	count(schema_errors) > 0
} else := sprintf("arguments of %s carry a prompt injection (%s)", [target, concat(", ", argument_injection)]) if {
	count(argument_injection) > 0
}

schema_errors contains sprintf("%s: %s", [e.field, e.desc]) if {
	rpc_method == "tools/call"
	schema := cfg.tools[target].arguments_schema
	[false, errors] = json.match_schema(tool_arguments, schema)
	some e in errors
}

argument_strings contains s if {
	rpc_method == "tools/call"
	walk(tool_arguments, [_, s])
	is_string(s)
}

argument_injection contains c if {
	cfg.scan.arguments
	some s in argument_strings
	r := jrego.injection.scan(s, {"source": "assistant", "threshold": cfg.scan.threshold})
	r.detected
	some c in r.categories
}
