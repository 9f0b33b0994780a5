# mcp-gateway's ext_proc phases (serve with --process-path mcp/process; jrego only applies them,
# `opa test` runs them like any rule).
#
#   request   what Check decides, so ext_proc alone refuses what ext_authz refuses.
#   response  lists (tools/list, resources/list, prompts/list) keep only what the caller may
#             use, the same grants as calls; what a tool, resource or prompt returns is scanned
#             for prompt injection (jrego.injection.scan, as a tool's data) and, by
#             data.scan.outputs, refused as a JSON-RPC error ("refuse"), cut out ("redact") or
#             only marked in a response header ("log"); personal data and keys in it are
#             handled as data.scan.output_pii says (the server's pii edit). An answer the policy
#             cannot read (SSE) is refused or passed by data.scan.unscannable_outputs.
package mcp.process

import data.mcp.authz

cfg := data.mcp_gateway

request := authz.allow

# ---------------------------------------------------------------------------------------
# Response phase.

answer := input.response.parsed_body

default response := {"allowed": true}

response := list_filter if {
	authz.rpc_method in object.keys(list_fields)
	authz.allow.allowed
}

response := output_decision if {
	authz.rpc_method in object.keys(authz.target_kind)
	authz.allow.allowed
}

# ---------------------------------------------------------------------------------------
# Lists: the array and the field that names each element; the grants' kind.

list_fields := {
	"tools/list": {"path": "/result/tools", "field": "name", "kind": "tools", "key": "tools"},
	"resources/list": {"path": "/result/resources", "field": "uri", "kind": "resources", "key": "resources"},
	"prompts/list": {"path": "/result/prompts", "field": "name", "kind": "prompts", "key": "prompts"},
}

list_spec := list_fields[authz.rpc_method]

# A JSON answer is filtered by its own names; an SSE answer (read by the server, not by this
# rule) keeps only the tools of data.tools the caller may use.
listed_names := [n |
	some item in answer.result[list_spec.key]
	n := item[list_spec.field]
	is_string(n)
] if {
	is_object(answer)
} else := [n | some n, _ in cfg.tools; list_spec.kind == "tools"]

list_filter := {"allowed": true, "body_edits": [{
	"op": "keep",
	"path": list_spec.path,
	"field": list_spec.field,
	"values": sort([n | some n in listed_names; authz.permitted(list_spec.kind, n)]),
}]}

# ---------------------------------------------------------------------------------------
# Outputs of tools/call, resources/read and prompts/get: the texts a model will read, with
# their JSON Pointers.

output_texts contains [sprintf("/result/content/%d/text", [i]), c.text] if {
	authz.rpc_method == "tools/call"
	some i, c in answer.result.content
	is_string(c.text)
}

output_texts contains [sprintf("/result/content/%d/resource/text", [i]), c.resource.text] if {
	authz.rpc_method == "tools/call"
	some i, c in answer.result.content
	is_string(c.resource.text)
}

output_texts contains [sprintf("/result/contents/%d/text", [i]), c.text] if {
	authz.rpc_method == "resources/read"
	some i, c in answer.result.contents
	is_string(c.text)
}

output_texts contains [sprintf("/result/messages/%d/content/text", [i]), m.content.text] if {
	authz.rpc_method == "prompts/get"
	some i, m in answer.result.messages
	is_string(m.content.text)
}

scans contains {"path": p, "text": text, "report": r} if {
	some [p, text] in output_texts
	r := jrego.injection.scan(text, {"source": "tool", "threshold": cfg.scan.threshold})
	r.detected
}

injection_categories := sort({c | some s in scans; some c in s.report.categories})

readable if is_object(answer)

output_decision := {
	"allowed": false,
	"http_status": 502,
	"headers": authz.deny_headers,
	"body": json.marshal({
		"jsonrpc": "2.0",
		"id": authz.request_id,
		"error": {"code": -32001, "message": "the answer cannot be inspected"},
	}),
} if {
	not readable
	cfg.scan.unscannable_outputs == "refuse"
} else := {"allowed": true, "headers": {"x-jrego-output-scan": "skipped"}} if {
	not readable
} else := authz.jsonrpc_deny(200, -32001, refusal) if {
	count(scans) > 0
	cfg.scan.outputs == "refuse"
} else := object.union(
	{"allowed": true, "body_edits": array.concat(injection_edits, pii_edits)},
	marked,
)

refusal := sprintf("%s output withheld: possible prompt injection (%s)", [authz.target, concat(", ", injection_categories)])

marked := {"headers": {"x-jrego-injection": concat(",", injection_categories)}} if {
	count(scans) > 0
} else := {}

# "redact": one span from the first to the last rule finding at or above the threshold (the
# statistical layer's window is used only when no rule names the text), widened to the whole
# hidden channel (an HTML or Markdown comment) a finding lies in, else on to the end of the
# sentence or line, since a finding marks where an instruction starts, not all of it.
injection_edits := [{"op": "redact", "path": s.path, "spans": [{
	"start": start,
	"end": span_end(s, kept),
	"replacement": "[removed by policy: instructions in tool output]",
}]} |
	cfg.scan.outputs == "redact"
	some s in scans
	kept := kept_findings(s.report)
	start := min(array.concat([f.span[0] | some f in kept], [h.span[0] | some h in hidden_around(s.report, kept)]))
]

span_end(s, kept) := max([h.span[1] | some h in hidden_around(s.report, kept)]) if {
	count(hidden_around(s.report, kept)) > 0
} else := sentence_end(s.text, max([f.span[1] | some f in kept]))

hidden_around(report, kept) := [h |
	some h in report.hidden
	some f in kept
	h.span[0] <= f.span[0]
	f.span[1] <= h.span[1]
]

sentence_end(text, from) := (from + min(stops)) + 1 if {
	rest := substring(text, from, -1)
	stops := [i | some c in [".", "!", "?", "\n"]; i := indexof(rest, c); i >= 0]
	count(stops) > 0
} else := count(text)

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

pii_edits := [{"op": "pii", "path": "/result", "action": cfg.scan.output_pii.action, "types": cfg.scan.output_pii.types} |
	cfg.scan.output_pii.action in {"redact", "block", "log"}
]
