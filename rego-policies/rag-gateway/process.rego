# rag-gateway's ext_proc phases (serve with --process-path rag/process; jrego only applies them,
# `opa test` runs them like any rule).
#
#   request   what Check decides; then, with tenant_filter.mode "inject", the caller's tenant
#             restriction is added to the query's filter (ANDed with the caller's own), and with
#             top_k_over_cap "clamp" a top_k over the caller's limit is lowered to it.
#   response  every retrieved document's text is scanned for prompt injection (as a document:
#             jrego.injection.scan) and handled as the caller's documents.injection says: "drop"
#             (removed from the results), "redact" (the instruction cut out), "block" (the answer
#             is refused, 502) or "log" (a response header only); personal data and keys are
#             handled by the server's pii edit as documents.pii says ("redact", "block", "log");
#             documents past the caller's max_retrieved_tokens (counted in order) are removed.
package rag.process

import data.rag.authz

cfg := data.rag_gateway

caller_cfg := authz.caller_cfg

# ---------------------------------------------------------------------------------------
# Request phase.

request := authz.allow if not authz.allow.allowed

request := object.union(authz.allow, {"body_edits": request_edits}) if {
	authz.allow.allowed
	count(request_edits) > 0
} else := authz.allow

request_edits := array.concat(tenant_edits, top_k_edits)

tenant_clause := {authz.tenant_field: {"$eq": authz.tenant}}

injects_tenant if {
	authz.is_retrieval
	cfg.tenant_filter.mode == "inject"
	not authz.any_tenant
	not authz.tenant_pinned
}

tenant_edits := [{"op": "replace", "path": cfg.request.filter, "value": {"$and": [tenant_clause, authz.filter]}}] if {
	injects_tenant
	authz.filter
} else := [{"op": "replace", "path": "", "value": json.patch(input.parsed_body, [{"op": "add", "path": cfg.request.filter, "value": tenant_clause}])}] if {
	injects_tenant
} else := []

top_k_edits := [{"op": "replace", "path": cfg.request.top_k, "value": caller_cfg.max_top_k}] if {
	authz.is_retrieval
	cfg.top_k_over_cap == "clamp"
	authz.top_k > caller_cfg.max_top_k
} else := []

# ---------------------------------------------------------------------------------------
# Response phase.

default response := {"allowed": true}

response := documents_decision if {
	authz.is_retrieval
	authz.allow.allowed
}

answer := input.response.parsed_body

results_path := split(trim_prefix(cfg.response.results, "/"), "/")

results := object.get(answer, results_path, [])

doc_path(i) := sprintf("%s/%d/%s", [cfg.response.results, i, cfg.response.text])

texts[i] := doc[cfg.response.text] if {
	some i, doc in results
	is_string(doc[cfg.response.text])
}

scans[i] := r if {
	some i, text in texts
	r := jrego.injection.scan(text, {"source": "document", "threshold": cfg.threshold})
	r.detected
}

documents := object.get(caller_cfg, "documents", {})

injection_action := object.get(documents, "injection", "block")

injection_categories := sort({c | some r in scans; some c in r.categories})

dropped contains i if {
	injection_action == "drop"
	some i, _ in scans
}

# Tokens are counted over the documents kept, in the order retrieved; those past the cap go.
token_counts[i] := jrego.tokens.count(texts[i], cfg.token_encoding) if {
	some i, _ in texts
	not i in dropped
}

over_budget contains i if {
	some i, _ in token_counts
	sum([n | some j, n in token_counts; j <= i]) > caller_cfg.max_retrieved_tokens
}

removed := dropped | over_budget

readable if is_object(answer)

documents_decision := {
	"allowed": false,
	"http_status": 502,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": json.marshal({"code": "answer_refused", "reason": "the retrieval answer cannot be inspected"}),
} if {
	not readable
	cfg.unscannable_results == "refuse"
} else := {"allowed": true, "headers": {"x-jrego-documents-scan": "skipped"}} if {
	not readable
} else := {
	"allowed": false,
	"http_status": 502,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": json.marshal({"code": "answer_refused", "reason": sprintf("a retrieved document carries a prompt injection (%s)", [concat(", ", injection_categories)])}),
} if {
	injection_action == "block"
	count(scans) > 0
} else := object.union(
	{"allowed": true, "body_edits": array.concat(array.concat(redact_edits, pii_edits), remove_edits), "on_block": pii_blocked},
	marked,
)

marked := {"headers": object.union(injection_header, removed_header)} if {
	count(scans) + count(removed) > 0
} else := {}

injection_header := {"x-jrego-injection": concat(",", injection_categories)} if count(scans) > 0

else := {}

removed_header := {"x-jrego-documents-removed": format_int(count(removed), 10)} if count(removed) > 0

else := {}

# "redact": as in mcp-gateway's process.rego, one span from the first to the last rule finding,
# widened to a hidden channel around it, else to the end of the sentence.
redact_edits := [{"op": "redact", "path": doc_path(i), "spans": [{
	"start": min(array.concat([f.span[0] | some f in kept], [h.span[0] | some h in hidden_around(r, kept)])),
	"end": span_end(texts[i], r, kept),
	"replacement": "[removed by policy: instructions in a retrieved document]",
}]} |
	injection_action == "redact"
	some i in sort(object.keys(scans))
	not i in removed
	r := scans[i]
	kept := kept_findings(r)
]

pii_edits := [{"op": "pii", "path": doc_path(i), "action": documents.pii, "types": documents.pii_types} |
	documents.pii in {"redact", "block", "log"}
	some i in sort(object.keys(texts))
	not i in removed
]

# Highest index first, so each removal leaves the indexes of the ones after it valid.
remove_edits := [{"op": "remove", "path": sprintf("%s/%d", [cfg.response.results, i])} |
	some i in array.reverse(sort(removed))
]

pii_blocked := {
	"http_status": 502,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": "{\"code\":\"answer_refused\",\"reason\":\"a retrieved document contains {types}\"}",
}

hidden_around(report, kept) := [h |
	some h in report.hidden
	some f in kept
	h.span[0] <= f.span[0]
	f.span[1] <= h.span[1]
]

span_end(text, report, kept) := max([h.span[1] | some h in hidden_around(report, kept)]) if {
	count(hidden_around(report, kept)) > 0
} else := sentence_end(text, max([f.span[1] | some f in kept]))

kept_findings(report) := [f |
	some f in report.findings
	f.score >= report.threshold
	f.category != "model"
] if {
	some f in report.findings
	f.score >= report.threshold
	f.category != "model"
} else := [f |
	some f in report.findings
	f.score >= report.threshold
]

sentence_end(text, from) := (from + min(stops)) + 1 if {
	rest := substring(text, from, -1)
	stops := [i | some c in [".", "!", "?", "\n"]; i := indexof(rest, c); i >= 0]
	count(stops) > 0
} else := count(text)
