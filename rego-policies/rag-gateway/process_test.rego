# Tests of rag-gateway's ext_proc phases. They run on jrego and on real OPA
# (opa test --capabilities rego-policies/capabilities/jrego.json): the scan is replaced by
# `flags_marker` (a finding on "INJECT") and the token count by `words` (one token a word);
# guards_test.rego runs the real builtins (jrego only).
package rag.process_test

import data.rag.authz_test as t
import data.rag.process

flags_marker(text, _) := {"detected": true, "threshold": 50, "categories": ["indirect_injection"], "hidden": [], "findings": [
	{"category": "indirect_injection", "rule": "x", "score": 90, "span": [i, i + 6]},
	{"category": "model", "rule": "model.linear", "score": 60, "span": [0, count(text)]},
]} if {
	i := indexof(text, "INJECT")
	i >= 0
} else := {"detected": false, "threshold": 50, "categories": [], "hidden": [], "findings": []}

words(text, _) := count(split(text, " "))

answered(req, docs) := object.union(req, {"phase": "response", "response": {"status": 200, "headers": {"content-type": "application/json"}, "stream": false, "parsed_body": {"results": docs}}})

doc(id, text) := {"id": id, "score": 0.5, "text": text}

phase(inp) := d if {
	d := process.response with input as inp
		with jrego.injection.scan as flags_marker
		with jrego.tokens.count as words
}

request_phase(inp) := d if {
	d := process.request with input as inp
		with jrego.injection.scan as flags_marker
		with jrego.tokens.count as words
}

test_request_phase_is_checks_decision if {
	d := request_phase(t.retrieve(t.assistant, t.acme_query({"collection": "hr-salaries"})))
	not d.allowed
	d.http_status == 403
	ok := request_phase(t.retrieve(t.assistant, t.acme_query({})))
	ok.allowed
	not ok.body_edits
}

test_inject_mode_adds_the_tenant_to_the_filter if {
	with_filter := json.patch(t.acme_query({}), [{"op": "replace", "path": "/filter", "value": {"lang": "en"}}])
	d := process.request with input as t.retrieve(t.assistant, with_filter)
		with data.rag_gateway.tenant_filter.mode as "inject"
		with jrego.injection.scan as t.flags_marker
	d.allowed
	d.body_edits == [{"op": "replace", "path": "/filter", "value": {"$and": [{"tenant_id": {"$eq": "acme"}}, {"lang": "en"}]}}]
}

test_inject_mode_adds_a_filter_where_there_was_none if {
	body := object.remove(t.acme_query({}), ["filter"])
	d := process.request with input as t.retrieve(t.assistant, body)
		with data.rag_gateway.tenant_filter.mode as "inject"
		with jrego.injection.scan as t.flags_marker
	[edit] := d.body_edits
	edit.path == ""
	edit.value == object.union(body, {"filter": {"tenant_id": {"$eq": "acme"}}})
}

test_inject_mode_leaves_a_pinned_filter_alone if {
	d := process.request with input as t.retrieve(t.assistant, t.acme_query({}))
		with data.rag_gateway.tenant_filter.mode as "inject"
		with jrego.injection.scan as t.flags_marker
	not d.body_edits
}

test_clamp_mode_lowers_top_k if {
	d := process.request with input as t.retrieve(t.assistant, t.acme_query({"top_k": 50}))
		with data.rag_gateway.top_k_over_cap as "clamp"
		with jrego.injection.scan as t.flags_marker
	d.allowed
	d.body_edits == [{"op": "replace", "path": "/top_k", "value": 10}]
}

test_clean_documents_get_the_callers_pii_handling if {
	d := phase(answered(t.retrieve(t.assistant, t.acme_query({})), [doc("a", "Refunds take 5 days."), doc("b", "Call us.")]))
	d.allowed
	d.body_edits == [
		{"op": "pii", "path": "/results/0/text", "action": "redact", "types": ["pii", "secret"]},
		{"op": "pii", "path": "/results/1/text", "action": "redact", "types": ["pii", "secret"]},
	]
	d.on_block.http_status == 502
	not d.headers
}

test_redact_mode_cuts_the_instruction_out_of_the_document if {
	d := phase(answered(t.retrieve(t.assistant, t.acme_query({})), [doc("a", "Refunds take 5 days."), doc("b", "Note: INJECT this now. Then more.")]))
	d.allowed
	d.headers == {"x-jrego-injection": "indirect_injection"}
	d.body_edits[0] == {"op": "redact", "path": "/results/1/text", "spans": [{"start": 6, "end": 22, "replacement": "[removed by policy: instructions in a retrieved document]"}]}
	count(d.body_edits) == 3
}

test_drop_mode_removes_the_document if {
	req := t.retrieve(t.copilot, {"collection": "hr-policies", "query": "leave", "filter": {"tenant_id": "globex"}})
	d := phase(answered(req, [doc("a", "INJECT"), doc("b", "Leave is 25 days."), doc("c", "INJECT again")]))
	d.allowed
	d.headers == {"x-jrego-injection": "indirect_injection", "x-jrego-documents-removed": "2"}
	d.body_edits == [
		{"op": "pii", "path": "/results/1/text", "action": "log", "types": ["secret"]},
		{"op": "remove", "path": "/results/2"},
		{"op": "remove", "path": "/results/0"},
	]
}

test_block_mode_refuses_the_answer if {
	d := process.response with input as answered(t.retrieve(t.assistant, t.acme_query({})), [doc("a", "INJECT")])
		with data.rag_gateway.callers["spiffe://cluster.local/ns/support/sa/assistant"].documents.injection as "block"
		with jrego.injection.scan as flags_marker
		with jrego.tokens.count as words
	not d.allowed
	d.http_status == 502
	json.unmarshal(d.body).reason == "a retrieved document carries a prompt injection (indirect_injection)"
}

n_words(n) := concat(" ", [w | some _ in numbers.range(1, n); w := "w"])

test_documents_past_the_token_budget_are_removed if {
	# copilot: max_retrieved_tokens 2000; 1,500 + 400 fit, the next 200 do not.
	req := t.retrieve(t.copilot, {"collection": "hr-policies", "query": "leave", "filter": {"tenant_id": "globex"}})
	d := phase(answered(req, [doc("a", n_words(1500)), doc("b", n_words(400)), doc("c", n_words(200)), doc("d", n_words(10))]))
	d.headers == {"x-jrego-documents-removed": "2"}
	[e | some e in d.body_edits; e.op == "remove"] == [{"op": "remove", "path": "/results/3"}, {"op": "remove", "path": "/results/2"}]
}

test_unreadable_answers_are_refused_unless_data_allows_them if {
	inp := object.union(t.retrieve(t.assistant, t.acme_query({})), {"phase": "response", "response": {"status": 200, "headers": {"content-type": "text/event-stream"}, "stream": true, "parsed_body": null}})
	phase(inp).http_status == 502
	passed := process.response with input as inp
		with data.rag_gateway.unscannable_results as "allow"
		with jrego.injection.scan as flags_marker
	passed == {"allowed": true, "headers": {"x-jrego-documents-scan": "skipped"}}
}

test_refused_queries_get_no_response_rules if {
	phase(answered(t.retrieve(t.assistant, t.acme_query({"collection": "hr-x"})), [doc("a", "INJECT")])) == {"allowed": true}
}
