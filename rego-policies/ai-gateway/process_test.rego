# Tests of the ext_proc rules (process.rego). Run: opa test rego-policies/ai-gateway -v
package envoy.process.tests

import data.envoy.process

orchestrator := "spiffe://cluster.local/ns/ai/sa/orchestrator"

gateway := "spiffe://cluster.local/ns/edge/sa/api-gateway"

partner := "spiffe://cluster.local/ns/partners/sa/exporter"

stranger := "spiffe://cluster.local/ns/default/sa/stranger"

# --- inputs: Check's document, as jrego builds it for a processing phase ------------------

request_input(method, path, id, body) := {
	"attributes": {
		"source": {"principal": id},
		"request": {"http": {"method": method, "path": path, "headers": {":path": path}}},
	},
	"parsed_path": split(trim_left(split(path, "?")[0], "/"), "/"),
	"parsed_query": {},
	"parsed_body": body,
	"truncated_body": false,
	"source_principal": id,
	"spiffe": {"id": id},
	"version": {"ext_authz": "v3", "encoding": "protojson"},
	"phase": "request",
}

chat_body(messages) := {"model": "gpt-4o-mini", "messages": messages}

chat(id, messages) := request_input("POST", "/v1/chat/completions", id, chat_body(messages))

response_input(req, stream, body) := object.union(req, {
	"phase": "response",
	"response": {
		"status": 200,
		"headers": {":status": "200", "content-type": "application/json"},
		"stream": stream,
		"parsed_body": body,
	},
})

user(text) := {"role": "user", "content": text}

pii_edit(path, action) := {
	"op": "pii",
	"path": path,
	"action": action,
	"types": ["email", "card", "iban", "phone", "secret"],
	"min_confidence": 0.5,
}

# --- request phase ------------------------------------------------------------------------

test_gateway_chat_is_redacted_in_every_message if {
	d := process.request with input as chat(gateway, [
		{"role": "system", "content": "be brief"},
		user("mail bob@example.com"),
	])
	d.allowed == true
	d.headers["x-jrego-caller"] == gateway
	d.body_edits == [pii_edit("/messages/0/content", "redact"), pii_edit("/messages/1/content", "redact")]
	d.on_block.http_status == 400
}

test_text_parts_are_redacted_other_parts_left_alone if {
	d := process.request with input as chat(gateway, [{"role": "user", "content": [
		{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
		{"type": "text", "text": "card 4111 1111 1111 1111"},
	]}])
	d.body_edits == [pii_edit("/messages/0/content/1/text", "redact")]
}

test_orchestrator_is_allowed_and_logged if {
	d := process.request with input as chat(orchestrator, [user("hi")])
	d.allowed == true
	d.body_edits == [pii_edit("/messages/0/content", "log")]
}

test_partner_is_blocked_on_personal_data if {
	d := process.request with input as chat(partner, [user("hi")])
	d.body_edits == [pii_edit("/messages/0/content", "block")]
	d.on_block.body == "{\"code\":\"content_refused\",\"reason\":\"the request contains {types}\"}"
}

test_embeddings_input_strings_are_redacted if {
	one := process.request with input as request_input("POST", "/v1/embeddings", gateway, {"model": "text-embedding-3-small", "input": "a@b.io"})
	one.body_edits == [pii_edit("/input", "redact")]
	many := process.request with input as request_input("POST", "/v1/embeddings", gateway, {"model": "text-embedding-3-small", "input": ["x", "y"]})
	many.body_edits == [pii_edit("/input/0", "redact"), pii_edit("/input/1", "redact")]
}

test_what_check_denies_ext_proc_denies if {
	d := process.request with input as chat(stranger, [user("hi")])
	d.allowed == false
	d.http_status == 403
	d == data.envoy.authz.allow with input as chat(stranger, [user("hi")])
}

test_other_paths_get_no_edits if {
	d := process.request with input as request_input("GET", "/v1/models", gateway, null)
	d.allowed == true
	not d.body_edits
}

# --- response phase -----------------------------------------------------------------------

answer := {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi <EMAIL_1>"}}]}

test_json_answer_blocks_secrets_and_restores_for_the_gateway if {
	d := process.response with input as response_input(chat(gateway, [user("x")]), false, answer)
	d.allowed == true
	d.body_edits == [
		{"op": "pii", "path": "/choices", "action": "block", "types": ["secret"]},
		{"op": "pii", "path": "/choices/0/message/content", "action": "redact", "types": ["email", "card", "iban", "phone", "secret"]},
		{"op": "restore", "path": "/choices/0/message/content"},
	]
	d.on_block.http_status == 502
}

test_json_answer_is_not_restored_for_the_orchestrator if {
	d := process.response with input as response_input(chat(orchestrator, [user("x")]), false, answer)
	d.body_edits == [{"op": "pii", "path": "/choices", "action": "block", "types": ["secret"]}]
}

test_streamed_answer_gets_a_stream_spec if {
	g := process.response with input as response_input(chat(gateway, [user("x")]), true, null)
	g.stream == {
		"pii": [
			{"action": "block", "types": ["secret"]},
			{"action": "redact", "types": ["email", "card", "iban", "phone", "secret"]},
		],
		"restore": true,
	}
	not g.body_edits
	o := process.response with input as response_input(chat(orchestrator, [user("x")]), true, null)
	o.stream == {"pii": [{"action": "block", "types": ["secret"]}], "restore": false}
}

mcp_list(id) := request_input("POST", "/mcp", id, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})

test_mcp_tools_list_is_filtered_to_the_callers_tools if {
	d := process.response with input as response_input(mcp_list(gateway), false, null)
	d.body_edits == [{"op": "keep", "path": "/result/tools", "field": "name", "values": ["search_docs", "get_weather"]}]
}

test_mcp_tools_list_is_whole_for_a_caller_with_every_tool if {
	d := process.response with input as response_input(mcp_list(orchestrator), false, null)
	d == {"allowed": true}
}

test_other_responses_pass if {
	d := process.response with input as response_input(request_input("GET", "/v1/models", gateway, null), false, null)
	d == {"allowed": true}
}
