# rag-gateway: access control in front of a retrieval service (a vector store's query API).
#
# The Check decision is data.rag.authz.allow (serve with --path rag/authz/allow), an object in the
# shape opa-envoy-plugin reads. On retrieval paths the checks run in order, the first failing one
# answers:
#   1. identity    a SPIFFE id in our trust domain, a canonical path, and on retrieval paths an
#                  entry in data.callers, else 403
#   2. request     a complete JSON body naming a collection, else 400
#   3. collection  one of the caller's collection globs and none of denied_collections, else 403;
#                  a namespace, when the caller has a namespace list, from that list, else 403
#   4. tenant      the query's filter restricts the tenant field to the caller's tenant
#                  (tenant_filter.mode "check"), or names no other tenant ("inject": ext_proc's
#                  request phase adds the restriction, see process.rego), else 403
#   5. top_k       at most the caller's max_top_k ("deny"; "clamp" lowers it in ext_proc), else 400
#   6. query       no prompt injection in the query text (jrego.injection.scan), else 400
# Other paths are open to callers with an identity in the trust domain.
#
# Where the fields are is data (request: JSON Pointers into the body), so one bundle fits
# different retrieval APIs. Filters are read as MongoDB-style objects (top-level keys and "$and"
# are conjunctions; a value or {"$eq": value} pins a field), the syntax of Pinecone, Chroma and
# MongoDB Atlas vector search.
package rag.authz

cfg := data.rag_gateway

default allow := {
	"allowed": false,
	"http_status": 403,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": "{\"code\":\"policy_denied\",\"reason\":\"no decision\"}",
}

allow := allow_response if {
	not is_retrieval
	not identity_problem
} else := deny(403, "policy_denied", identity_problem) if {
	identity_problem
} else := deny(400, "bad_request", request_problem) if {
	request_problem
} else := deny(403, "policy_denied", access_problem) if {
	access_problem
} else := deny(400, "bad_request", top_k_problem) if {
	top_k_problem
} else := deny(400, "prompt_injection", injection_problem) if {
	injection_problem
} else := allow_response

allow_response := {
	"allowed": true,
	"headers": object.union({"x-jrego-caller": caller}, tenant_header),
	"request_headers_to_remove": ["x-jrego-caller", "x-jrego-tenant"],
}

tenant_header := {"x-jrego-tenant": caller_cfg.tenant} if is_retrieval

else := {}

deny(status, code, reason) := {
	"allowed": false,
	"http_status": status,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": json.marshal({"code": code, "reason": reason}),
}

# ---------------------------------------------------------------------------------------
# Identity.

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

caller_cfg := cfg.callers[caller]

identity_problem := "no verified caller identity" if {
	not caller
} else := sprintf("caller is not in trust domain %s", [cfg.trust_domain]) if {
	not startswith(caller, concat("", ["spiffe://", cfg.trust_domain, "/"]))
} else := "non-canonical request path" if {
	dot_segment
} else := "caller may not use retrieval" if {
	is_retrieval
	not caller_cfg
}

# ---------------------------------------------------------------------------------------
# The retrieval request, read through the pointers in data.request.

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

is_retrieval if request_path in {lower(trim_right(p, "/")) | some p in cfg.paths}

# The value at a JSON Pointer of data.request (undefined when absent).
field(name) := v if {
	pointer := cfg.request[name]
	v := object.get(input.parsed_body, split(trim_prefix(pointer, "/"), "/"), null)
	v != null
}

collection := field("collection")

names_collection if is_string(collection)

namespace := field("namespace")

top_k := field("top_k")

filter := field("filter")

query_texts contains q if {
	q := field("query")
	is_string(q)
}

query_texts contains q if {
	some q in field("query")
	is_string(q)
}

request_problem := "the request body is too large to inspect" if {
	input.truncated_body == true
} else := "the request body is not a JSON object" if {
	not is_object(input.parsed_body)
} else := sprintf("the request names no collection (%s)", [cfg.request.collection]) if {
	not names_collection
} else := sprintf("%s must be a number", [cfg.request.top_k]) if {
	top_k
	not is_number(top_k)
} else := sprintf("%s must be an object", [cfg.request.filter]) if {
	filter
	not is_object(filter)
}

# ---------------------------------------------------------------------------------------
# Collections, namespaces and tenants.

collection_allowed if {
	some pattern in caller_cfg.collections
	glob.match(pattern, null, collection)
	not collection_denied
}

collection_denied if {
	some pattern in cfg.denied_collections
	glob.match(pattern, null, collection)
}

namespace_allowed if not caller_cfg.namespaces

namespace_allowed if namespace in caller_cfg.namespaces

tenant := caller_cfg.tenant

tenant_field := cfg.tenant_filter.field

any_tenant if tenant == "*"

# The values a Mongo-style filter pins the tenant field to (at top level or inside "$and").
pinned_tenants contains v if {
	some v in pinned(filter)
}

pinned_tenants contains v if {
	some clause in filter["$and"]
	some v in pinned(clause)
}

pinned(f) := {v} if {
	v := f[tenant_field]
	is_string(v)
} else := {v} if {
	v := f[tenant_field]["$eq"]
	is_string(v)
} else := set()

tenant_pinned if pinned_tenants == {tenant}

other_tenant_named if {
	some v in pinned_tenants
	v != tenant
}

access_problem := sprintf("caller may not read collection %s", [json.marshal(collection)]) if {
	not collection_allowed
} else := sprintf("caller may not read namespace %s", [json.marshal(namespace)]) if {
	not namespace_allowed
	namespace
} else := "the request names no namespace" if {
	not namespace_allowed
} else := sprintf("the query's filter names a tenant other than %s", [tenant]) if {
	not any_tenant
	other_tenant_named
} else := sprintf("the query's filter does not restrict %s to %s", [tenant_field, tenant]) if {
	not any_tenant
	cfg.tenant_filter.mode == "check"
	not tenant_pinned
}

# ---------------------------------------------------------------------------------------
# top_k and the query text.

top_k_problem := sprintf("top_k %d is over the caller's limit of %d", [top_k, caller_cfg.max_top_k]) if {
	cfg.top_k_over_cap == "deny"
	top_k > caller_cfg.max_top_k
}

injection_problem := sprintf("the query carries a prompt injection (%s)", [concat(", ", sort(categories))]) if {
	cfg.scan_queries
	categories := {c |
		some q in query_texts
		r := jrego.injection.scan(q, {"source": "user", "threshold": cfg.threshold})
		r.detected
		some c in r.categories
	}
	count(categories) > 0
}
