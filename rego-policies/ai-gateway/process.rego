# Processing phases for Envoy's ext_proc filter (jrego's ExternalProcessor service). Plain Rego:
# `opa test` and `opa eval` run these rules, but only jrego applies them to traffic (OPA has no
# ext_proc server). The decision contract is written up in ext-authz-server/README.md.
#
#   request   what Check decides (data.envoy.authz.allow), so ext_proc alone refuses what
#             ext_authz refuses (behind ext_authz, jrego reads Check's own decision for the
#             request from the metadata Envoy forwards, as `with data.envoy.authz.allow as ...`,
#             instead of evaluating it again); then, on chat and embeddings requests, what the
#             caller's data says to do with personal data and keys in the text sent to the model:
#             "redact" (replaced by <EMAIL_1>, <CARD_1>, ... before the model sees them),
#             "block" (the request is refused, 400) or "log" (counted and logged, by type only).
#   response  an answer that carries a credential is refused (block rules, checked before its
#             first byte reaches the caller); placeholders of the request are turned back into the
#             caller's own values when its data says "restore_placeholders"; an MCP tools/list
#             answer keeps only the tools the caller may call (the same ACL as tools/call).
package envoy.process

import data.envoy.authz

cfg := data.ai_gateway

# ---------------------------------------------------------------------------------------
# Request phase.

request := authz.allow if not authz.allow.allowed

request := object.union(authz.allow, prompt_handling) if authz.allow.allowed

prompt_handling := {"body_edits": prompt_edits, "on_block": prompt_blocked} if {
	count(prompt_edits) > 0
} else := {}

caller_data := object.get(cfg.callers, authz.caller, {})

prompt_action := object.get(caller_data, "prompt_pii", cfg.data_handling.default_prompt_action)

prompt_edits := [{
	"op": "pii",
	"path": p,
	"action": prompt_action,
	"types": cfg.data_handling.prompt_types,
	"min_confidence": cfg.data_handling.min_confidence,
} |
	prompt_action in {"redact", "block", "log"}
	some p in sort(prompt_paths)
]

# The text a model reads: message content (a string, or the text of text parts) of chat
# requests, and the input of embeddings requests. Other strings (roles, image URLs, tool
# definitions) are left alone.
prompt_paths contains sprintf("/messages/%d/content", [i]) if {
	authz.is_inference
	some i, m in input.parsed_body.messages
	is_string(m.content)
}

prompt_paths contains sprintf("/messages/%d/content/%d/text", [i, j]) if {
	authz.is_inference
	some i, m in input.parsed_body.messages
	is_array(m.content)
	some j, part in m.content
	part.type == "text"
	is_string(part.text)
}

prompt_paths contains "/input" if {
	authz.is_inference
	is_string(input.parsed_body.input)
}

prompt_paths contains sprintf("/input/%d", [i]) if {
	authz.is_inference
	is_array(input.parsed_body.input)
	some i, s in input.parsed_body.input
	is_string(s)
}

# "{types}" is replaced by the server with the types found (never the values).
prompt_blocked := {
	"http_status": 400,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": "{\"code\":\"content_refused\",\"reason\":\"the request contains {types}\"}",
}

# ---------------------------------------------------------------------------------------
# Response phase: evaluated once per response, at its headers when it streams (SSE) or has no
# body, else once the body is complete.

default response := {"allowed": true}

response := {
	"allowed": true,
	"body_edits": answer_edits,
	"on_block": answer_blocked,
} if {
	authz.is_inference
	not input.response.stream
}

response := {
	"allowed": true,
	"stream": {"pii": answer_rules, "restore": restore},
	"on_block": answer_blocked,
} if {
	authz.is_inference
	input.response.stream
}

response := {
	"allowed": true,
	"body_edits": [{"op": "keep", "path": "/result/tools", "field": "name", "values": authz.mcp_tools}],
} if {
	authz.is_mcp
	input.parsed_body.method == "tools/list"
	not "*" in authz.mcp_tools
}

default restore := false

restore if caller_data.restore_placeholders == true

# Every answer is checked for credentials (block); a caller whose data says "answer_pii" also
# gets personal data the model wrote redacted ("redact") or counted ("log"), before its own
# placeholders are restored.
answer_rules := array.concat(
	[{"action": "block", "types": cfg.data_handling.answer_block_types}],
	[{"action": a, "types": cfg.data_handling.prompt_types} | some a in answer_action],
)

answer_action contains a if {
	a := caller_data.answer_pii
	a in {"redact", "log"}
}

answer_edits := array.concat(
	[{"op": "pii", "path": "/choices", "action": "block", "types": cfg.data_handling.answer_block_types}],
	[e |
		some i, _ in input.response.parsed_body.choices
		some e in message_edits(sprintf("/choices/%d/message/content", [i]))
	],
)

message_edits(p) := array.concat(
	[{"op": "pii", "path": p, "action": a, "types": cfg.data_handling.prompt_types} | some a in answer_action],
	[{"op": "restore", "path": p} | restore],
)

answer_blocked := {
	"http_status": 502,
	"headers": {"content-type": "application/json", "x-jrego-decision": "deny"},
	"body": "{\"code\":\"answer_refused\",\"reason\":\"the answer contains {types}\"}",
}
