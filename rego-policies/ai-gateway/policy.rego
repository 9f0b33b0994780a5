# Default jrego bundle: access control in front of AI inference services.
#
# The decision is data.envoy.authz.allow, an object in the shape opa-envoy-plugin reads:
#   allow:  {"allowed": true,  "headers": {...}, "request_headers_to_remove": [...]}
#   deny:   {"allowed": false, "http_status": n, "headers": {...}, "body": "<json>"}
#
# The checks run in a fixed order and the first failing one answers:
#   1. identity   - a SPIFFE id in our trust domain, else 403 policy_denied
#   2. path       - no "." or ".." segments, else 403 policy_denied
#   3. inference  - on inference paths: a listed caller, an inspectable body, a known,
#                   non-embargoed model of a tier the caller may use, else 403 policy_denied
#   4. tools      - on MCP paths, a tools/call of a tool the caller may call, else 403
#   5. content    - no prompt-injection marker in a user message, else 400 prompt_injection;
#                   with the ai-guards bundle loaded beside this one, then jrego.injection.scan
#                   on every message role it lists, else 400 prompt_injection
# Authorization comes before content inspection, so an unknown caller learns nothing about
# the content rules.
#
# Data lives under data.ai_gateway (see data.json). Written for OPA's Rego v1 and for
# jrego's engine alike, so it sticks to core language features and common builtins.
package envoy.authz

cfg := data.ai_gateway

# Safety net: if a bug left every rule below undefined, deny rather than return no decision
# (which opa-envoy-plugin and jrego treat as an error).
default allow := {
	"allowed": false,
	"http_status": 403,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": "{\"code\":\"policy_denied\",\"reason\":\"no decision\"}",
}

allow := deny_response(403, "policy_denied", reason) if {
	reason := deny_reason
} else := deny_response(400, "prompt_injection", reason) if {
	reason := injection_reason
} else := deny_response(400, "prompt_injection", reason) if {
	# jrego's builtins, when the ai-guards bundle is loaded beside this one (see its guards.rego);
	# undefined, and so skipped, everywhere else.
	reason := data.ai_guards.injection_reason
} else := allow_response

deny_response(status, code, reason) := {
	"allowed": false,
	"http_status": status,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": json.marshal({"code": code, "reason": reason}),
}

allow_response := {
	"allowed": true,
	"headers": upstream_headers,
	"request_headers_to_remove": headers_to_remove,
}

upstream_headers := {"x-jrego-caller": caller, "x-jrego-model-tier": model_tier} if {
	is_inference
} else := {"x-jrego-caller": caller}

# Headers a client could use to impersonate a decision. Off inference paths this policy
# sets no tier, so a client-sent tier header is removed too.
headers_to_remove := cfg.strip_request_headers if {
	is_inference
} else := array.concat(cfg.strip_request_headers, ["x-jrego-model-tier"])

# ---------------------------------------------------------------------------------------
# Caller identity: jrego's verified input.spiffe first, then what OPA-Envoy provides
# (source_principal, copied from attributes.source.principal: the peer certificate's URI SAN).

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

caller_in_trust_domain if {
	startswith(caller, trust_domain_prefix)
	count(caller) > count(trust_domain_prefix)
}

# ---------------------------------------------------------------------------------------
# Request path: the path the upstream routes to, whatever a client adds to make it look like
# another. OPA-Envoy's parsed_path is cut at "?", percent-decoded once and split on "/"; it is
# kept as OPA-Envoy gives it, and normalised here, segment by segment:
#   - "\" and what one decoding leaves encoded ("%2F", "%5C"; "%3B" is read as ";") also
#     separate segments, for servers that treat "\" as "/" or decode twice;
#   - a segment ends at its first ";" (path parameters: "/v1/chat;x=1/completions" routes to
#     /v1/chat/completions in servers that strip them) or NUL ("%00");
#   - trailing dots and white space are dropped ("completions." and "completions%20" route to
#     "completions" where the server trims them), then letters lower-cased;
#   - empty segments are dropped ("//v1/chat/", "/v1/chat/completions;/").
# A segment of only dots and spaces (".", "..", "..;x=1", ". ") is refused as non-canonical.
# The raw path is the fallback when parsed_path is missing.

path_segments := input.parsed_path if {
	is_array(input.parsed_path)
} else := split(split(input.attributes.request.http.path, "?")[0], "/")

separator_escapes := {"\\": "/", "%2F": "/", "%2f": "/", "%5C": "/", "%5c": "/", "%3B": ";", "%3b": ";"}

# "\u0000" cuts too: some servers end a path at a NUL byte
bare_segments := [split(split(part, ";")[0], "\u0000")[0] |
	some s in path_segments
	some part in split(separated(s), "/")
]

separated(s) := strings.replace_n(separator_escapes, s) if {
	some c in ["%", "\\"]
	contains(s, c)
} else := s

trailing_junk := ". \t\r\n\u000b\f"

clean_segments := [lower(t) |
	some s in bare_segments
	t := trim_right(s, trailing_junk)
	t != ""
]

request_path := concat("/", array.concat([""], clean_segments))

dot_segment if {
	some s in bare_segments
	s != ""
	trim(s, trailing_junk) == ""
}

is_inference if {
	some p in cfg.inference_paths
	lower(p) == request_path
}

# ---------------------------------------------------------------------------------------
# Model and tier.

model := input.parsed_body.model if {
	non_empty_string(input.parsed_body.model)
}

model_embargoed if {
	some m in cfg.embargoed_models
	lower(trim_space(m)) == lower(trim_space(model))
}

model_tier := cfg.models[model].tier

caller_may_use_tier if {
	some t in cfg.callers[caller].allowed_tiers
	t in {"*", model_tier}
}

# ---------------------------------------------------------------------------------------
# Authorization: the first reason that applies, in order.

deny_reason := "no verified caller identity" if {
	not caller
} else := sprintf("caller is not in trust domain %s", [cfg.trust_domain]) if {
	not caller_in_trust_domain
} else := "non-canonical request path" if {
	dot_segment
} else := "caller may not use inference endpoints" if {
	is_inference
	not cfg.callers[caller]
} else := "request body too large to inspect" if {
	is_inference
	input.truncated_body == true
} else := "request names no model" if {
	is_inference
	not model
} else := "model is embargoed" if {
	is_inference
	model_embargoed
} else := "unknown model" if {
	is_inference
	not model_tier
} else := sprintf("model tier %s not allowed for caller", [model_tier]) if {
	is_inference
	not caller_may_use_tier
} else := sprintf("caller may not call tool %s", [json.marshal(mcp_tool_called)]) if {
	is_mcp
	input.parsed_body.method == "tools/call"
	not mcp_tool_allowed
}

# ---------------------------------------------------------------------------------------
# MCP: the tools a caller may call (data.ai_gateway.mcp.tools: caller to tool names, "*" for
# every tool). A tools/call of another tool is refused here; ext_proc's response rule
# (process.rego) filters tools/list answers to the same names.

is_mcp if request_path in {lower(p) | some p in cfg.mcp.paths}

mcp_tools := object.get(cfg.mcp.tools, caller, [])

mcp_tool_called := object.get(input.parsed_body, ["params", "name"], null)

mcp_tool_allowed if "*" in mcp_tools

mcp_tool_allowed if {
	is_string(mcp_tool_called)
	mcp_tool_called in mcp_tools
}

# ---------------------------------------------------------------------------------------
# Prompt injection: known structural markers in user-role chat messages, both plain string
# content and the "text" parts of multi-part content. Zero-width characters are removed and
# no-break spaces become spaces first, so "ig\u200bnore previous instructions" still matches.

user_texts contains text if {
	some msg in input.parsed_body.messages
	is_user_message(msg)
	is_string(msg.content)
	text := msg.content
}

user_texts contains text if {
	some msg in input.parsed_body.messages
	is_user_message(msg)
	is_array(msg.content)
	some part in msg.content
	part.type == "text"
	is_string(part.text)
	text := part.text
}

is_user_message(msg) if {
	is_string(msg.role)
	lower(msg.role) == "user"
}

normalize(s) := t6 if {
	t1 := replace(s, "\u200b", "") # zero width space
	t2 := replace(t1, "\u200c", "") # zero width non-joiner
	t3 := replace(t2, "\u200d", "") # zero width joiner
	t4 := replace(t3, "\u2060", "") # word joiner
	t5 := replace(t4, "\ufeff", "") # byte order mark
	t6 := replace(t5, "\u00a0", " ") # no-break space
}

injection_markers contains p.id if {
	some text in user_texts
	some p in cfg.injection_patterns
	regex.match(p.regex, normalize(text))
}

injection_reason := sprintf("user message contains %s", [concat(", ", sort(injection_markers))]) if {
	count(injection_markers) > 0
}
