# Tests of rag-gateway's Check decision. They run on jrego and on real OPA
# (opa test --capabilities rego-policies/capabilities/jrego.json): the query scan's builtin is
# replaced by `flags_marker` (texts holding "INJECT"); guards_test.rego runs the real one.
package rag.authz_test

import data.rag.authz

assistant := "spiffe://cluster.local/ns/support/sa/assistant"

copilot := "spiffe://cluster.local/ns/hr/sa/copilot"

indexer := "spiffe://cluster.local/ns/ai/sa/indexer"

flags_marker(text, _) := {"detected": true, "categories": ["instruction_override"], "findings": [], "threshold": 50} if {
	contains(text, "INJECT")
} else := {"detected": false, "categories": [], "findings": [], "threshold": 50}

retrieve(caller, body) := {
	"attributes": {"request": {"http": {"method": "POST", "path": "/v1/retrieve", "headers": {"content-type": "application/json"}}}},
	"parsed_body": body,
	"truncated_body": false,
	"spiffe": {"id": caller},
}

acme_query(extra) := object.union({"collection": "kb-billing", "namespace": "acme", "query": "how do refunds work?", "top_k": 5, "filter": {"tenant_id": "acme"}}, extra)

decide(inp) := d if {
	d := authz.allow with input as inp with jrego.injection.scan as flags_marker
}

reason(d) := json.unmarshal(d.body).reason

test_query_in_own_collection_and_tenant_is_allowed if {
	d := decide(retrieve(assistant, acme_query({})))
	d.allowed
	d.headers == {"x-jrego-caller": assistant, "x-jrego-tenant": "acme"}
}

test_collection_outside_the_callers_globs_is_refused if {
	d := decide(retrieve(assistant, acme_query({"collection": "hr-salaries"})))
	d.http_status == 403
	reason(d) == "caller may not read collection \"hr-salaries\""
}

test_denied_collections_win_over_the_callers_globs if {
	not decide(retrieve(assistant, acme_query({"collection": "kb-raw"}))).allowed
	not decide(retrieve(indexer, {"collection": "audit-log", "query": "x"})).allowed
	decide(retrieve(indexer, {"collection": "kb-billing", "query": "x", "top_k": 50})).allowed
}

test_namespace_must_be_listed if {
	d := decide(retrieve(assistant, acme_query({"namespace": "globex"})))
	reason(d) == "caller may not read namespace \"globex\""
	none := decide(retrieve(assistant, object.remove(acme_query({}), ["namespace"])))
	reason(none) == "the request names no namespace"
}

test_filter_must_pin_the_callers_tenant if {
	missing := decide(retrieve(assistant, object.remove(acme_query({}), ["filter"])))
	missing.http_status == 403
	reason(missing) == "the query's filter does not restrict tenant_id to acme"

	decide(retrieve(assistant, acme_query({"filter": {"tenant_id": {"$eq": "acme"}, "lang": "en"}}))).allowed
	decide(retrieve(assistant, acme_query({"filter": {"$and": [{"lang": "en"}, {"tenant_id": "acme"}]}}))).allowed

	# Next to a top-level pin an $or cannot widen it (tenant_id = acme AND (...)); a tenant
	# inside an $or alone pins nothing.
	decide(retrieve(assistant, acme_query({"filter": {"$or": [{"tenant_id": "globex"}, {"lang": "en"}]}}))).allowed
	decide(retrieve(assistant, acme_query({"filter": {"$or": [{"lang": "de"}, {"lang": "en"}]}}))).allowed
	or_only := json.patch(acme_query({}), [{"op": "replace", "path": "/filter", "value": {"$or": [{"tenant_id": "acme"}, {"tenant_id": "globex"}]}}])
	widened := decide(retrieve(assistant, or_only))
	reason(widened) == "the query's filter does not restrict tenant_id to acme"
}

test_another_tenant_in_the_filter_is_refused_in_both_modes if {
	other := retrieve(assistant, acme_query({"filter": {"tenant_id": "globex"}}))
	reason(decide(other)) == "the query's filter names a tenant other than acme"
	d := authz.allow with input as other
		with data.rag_gateway.tenant_filter.mode as "inject"
		with jrego.injection.scan as flags_marker
	reason(d) == "the query's filter names a tenant other than acme"
	both := retrieve(assistant, acme_query({"filter": {"$and": [{"tenant_id": "acme"}, {"tenant_id": {"$eq": "globex"}}]}}))
	not decide(both).allowed
}

test_inject_mode_lets_an_unfiltered_query_through_check if {
	d := authz.allow with input as retrieve(assistant, object.remove(acme_query({}), ["filter"]))
		with data.rag_gateway.tenant_filter.mode as "inject"
		with jrego.injection.scan as flags_marker
	d.allowed
}

test_any_tenant_caller_needs_no_filter if {
	decide(retrieve(indexer, {"collection": "hr-salaries", "query": "x"})).allowed
}

test_top_k_over_the_cap_is_refused if {
	d := decide(retrieve(assistant, acme_query({"top_k": 11})))
	d.http_status == 400
	reason(d) == "top_k 11 is over the caller's limit of 10"
	decide(retrieve(assistant, acme_query({"top_k": 10}))).allowed
	reason(decide(retrieve(assistant, acme_query({"top_k": "all"})))) == "/top_k must be a number"
}

test_injected_query_is_refused if {
	d := decide(retrieve(assistant, acme_query({"query": "INJECT"})))
	d.http_status == 400
	json.unmarshal(d.body).code == "prompt_injection"
	reason(d) == "the query carries a prompt injection (instruction_override)"
	not decide(retrieve(assistant, acme_query({"query": ["refunds", "INJECT"]}))).allowed
}

test_fields_are_found_through_the_pointers_in_data if {
	# A Pinecone-like body: namespace and topK at the top, the query text under "inputs".
	pointers := {"collection": "/index", "namespace": "/namespace", "query": "/inputs/text", "top_k": "/topK", "filter": "/filter"}
	body := {"index": "kb-billing", "namespace": "acme", "inputs": {"text": "refunds?"}, "topK": 50, "filter": {"tenant_id": "acme"}}
	d := authz.allow with input as retrieve(assistant, body)
		with data.rag_gateway.request as pointers
		with jrego.injection.scan as flags_marker
	reason(d) == "top_k 50 is over the caller's limit of 10"
}

test_unknown_caller_and_bad_bodies if {
	reason(decide(retrieve("spiffe://cluster.local/ns/web/sa/frontend", acme_query({})))) == "caller may not use retrieval"
	reason(decide(retrieve(assistant, {"query": "x"}))) == "the request names no collection (/collection)"
	reason(decide(retrieve(assistant, acme_query({"filter": "tenant_id = acme"})))) == "/filter must be an object"
	truncated := object.union(retrieve(assistant, acme_query({})), {"truncated_body": true})
	reason(decide(truncated)) == "the request body is too large to inspect"
	reason(decide(object.remove(retrieve(assistant, acme_query({})), ["spiffe"]))) == "no verified caller identity"
}

test_other_paths_are_open_to_identified_callers if {
	inp := {"attributes": {"request": {"http": {"method": "GET", "path": "/healthz", "headers": {}}}}, "spiffe": {"id": "spiffe://cluster.local/ns/web/sa/frontend"}}
	decide(inp).allowed
	not decide(object.remove(inp, ["spiffe"])).allowed
}

at_path(inp, path) := json.patch(inp, [{"op": "replace", "path": "/attributes/request/http/path", "value": path}])

test_path_spellings_of_the_retrieval_endpoint_are_checked if {
	every path in ["/v1/retrieve;x=1", "/V1/Retrieve/", "//v1//retrieve", "/v1%2Fretrieve", "/v1/retrieve."] {
		d := decide(at_path(retrieve(assistant, acme_query({"collection": "hr-salaries"})), path))
		reason(d) == "caller may not read collection \"hr-salaries\""
	}
}

test_dot_segments_are_refused if {
	d := decide(at_path(retrieve(assistant, acme_query({})), "/v1/x/../retrieve"))
	reason(d) == "non-canonical request path"
}
