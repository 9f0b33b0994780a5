# Tests of mcp-gateway's ext_proc phases. They run on jrego and on real OPA
# (opa test --capabilities rego-policies/capabilities/jrego.json): jrego.injection.scan is
# replaced by `flags_marker`, which flags texts holding "INJECT"; guards_test.rego runs the real
# scan (jrego only).
package mcp.process_test

import data.mcp.authz_test as t
import data.mcp.process

flags_marker(text, _) := {"detected": true, "threshold": 50, "categories": ["indirect_injection"], "findings": [
	{"category": "indirect_injection", "rule": "x", "score": 90, "span": [i, i + 6]},
	{"category": "model", "rule": "model.linear", "score": 60, "span": [0, count(text)]},
]} if {
	i := indexof(text, "INJECT")
	i >= 0
} else := {"detected": false, "threshold": 50, "categories": [], "findings": []}

answered(req, answer) := object.union(req, {"phase": "response", "response": {"status": 200, "headers": {"content-type": "application/json"}, "stream": false, "parsed_body": answer}})

phase(inp) := d if {
	d := process.response with input as inp with jrego.injection.scan as flags_marker
}

list_tools(caller) := t.request(caller, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, {})

tools_answer := {"jsonrpc": "2.0", "id": 2, "result": {"tools": [{"name": "get_weather"}, {"name": "run_shell"}, {"name": "search_docs"}, {"name": "wipe_disk"}]}}

test_request_phase_is_checks_decision if {
	d := process.request with input as t.call(t.agent, "delete_database", {}) with jrego.injection.scan as flags_marker
	not d.allowed
	d.http_status == 200
}

test_tools_list_keeps_what_the_caller_may_call if {
	d := phase(answered(list_tools(t.agent), tools_answer))
	d.body_edits == [{"op": "keep", "path": "/result/tools", "field": "name", "values": ["get_weather", "search_docs"]}]
}

test_tools_list_for_a_wildcard_grant_still_drops_denied_tools if {
	denies := [{"id": "d", "tools": ["wipe_disk"]}]
	d := process.response with input as answered(list_tools(t.orchestrator), tools_answer)
		with data.mcp_gateway.denies as denies
		with jrego.injection.scan as flags_marker
	d.body_edits[0].values == ["get_weather", "run_shell", "search_docs"]
}

test_streamed_tools_list_keeps_catalogue_tools_the_caller_may_call if {
	inp := object.union(list_tools(t.agent), {"phase": "response", "response": {"status": 200, "headers": {"content-type": "text/event-stream"}, "stream": true, "parsed_body": null}})
	d := phase(inp)
	d.body_edits[0].values == ["create_ticket", "get_weather", "search_docs"]
}

test_resources_list_is_filtered_by_uri if {
	req := t.request(t.agent, {"jsonrpc": "2.0", "id": 3, "method": "resources/list"}, {})
	answer := {"jsonrpc": "2.0", "id": 3, "result": {"resources": [{"uri": "docs://public/a.md"}, {"uri": "docs://internal/b.md"}]}}
	phase(answered(req, answer)).body_edits == [{"op": "keep", "path": "/result/resources", "field": "uri", "values": ["docs://public/a.md"]}]
}

call_answer(text) := {"jsonrpc": "2.0", "id": 7, "result": {"content": [{"type": "text", "text": "Sunny, 21C."}, {"type": "text", "text": text}]}}

test_clean_tool_output_passes_with_secrets_redacted if {
	d := phase(answered(t.call(t.agent, "get_weather", {"location": "Rome"}), call_answer("Humidity 40%.")))
	d.allowed
	d.body_edits == [{"op": "pii", "path": "/result", "action": "redact", "types": ["secret"]}]
	not d.headers
}

test_injected_tool_output_is_refused_as_a_jsonrpc_error if {
	d := phase(answered(t.call(t.agent, "get_weather", {"location": "Rome"}), call_answer("ok INJECT now")))
	not d.allowed
	d.http_status == 200
	b := json.unmarshal(d.body)
	b.id == 7
	b.error.code == -32001
	b.error.message == "get_weather output withheld: possible prompt injection (indirect_injection)"
}

test_redact_mode_cuts_the_rule_findings_out if {
	d := process.response with input as answered(t.call(t.agent, "get_weather", {"location": "Rome"}), call_answer("ok INJECT now"))
		with data.mcp_gateway.scan.outputs as "redact"
		with jrego.injection.scan as flags_marker
	d.allowed
	d.headers == {"x-jrego-injection": "indirect_injection"}
	d.body_edits[0] == {"op": "redact", "path": "/result/content/1/text", "spans": [{"start": 3, "end": 13, "replacement": "[removed by policy: instructions in tool output]"}]}
	d.body_edits[1].op == "pii"
}

test_log_mode_only_marks_the_answer if {
	d := process.response with input as answered(t.call(t.agent, "get_weather", {"location": "Rome"}), call_answer("ok INJECT now"))
		with data.mcp_gateway.scan.outputs as "log"
		with jrego.injection.scan as flags_marker
	d.allowed
	d.headers == {"x-jrego-injection": "indirect_injection"}
	count(d.body_edits) == 1
}

test_resource_and_prompt_contents_are_scanned if {
	read := t.read(t.agent, "docs://public/a.md")
	not phase(answered(read, {"jsonrpc": "2.0", "id": 5, "result": {"contents": [{"uri": "docs://public/a.md", "text": "INJECT"}]}})).allowed
	get := t.get_prompt("summarize")
	not phase(answered(get, {"jsonrpc": "2.0", "id": 6, "result": {"messages": [{"role": "user", "content": {"type": "text", "text": "INJECT"}}]}})).allowed
	phase(answered(get, {"jsonrpc": "2.0", "id": 6, "result": {"messages": [{"role": "user", "content": {"type": "text", "text": "Summarize this."}}]}})).allowed
}

test_embedded_resource_text_in_a_tool_result_is_scanned if {
	answer := {"jsonrpc": "2.0", "id": 7, "result": {"content": [{"type": "resource", "resource": {"uri": "x://y", "text": "INJECT"}}]}}
	not phase(answered(t.call(t.agent, "get_weather", {"location": "Rome"}), answer)).allowed
}

test_streamed_tool_output_is_refused_unless_data_allows_it if {
	inp := object.union(t.call(t.agent, "get_weather", {"location": "Rome"}), {"phase": "response", "response": {"status": 200, "headers": {"content-type": "text/event-stream"}, "stream": true, "parsed_body": null}})
	d := phase(inp)
	not d.allowed
	d.http_status == 502
	json.unmarshal(d.body).error.message == "the answer cannot be inspected"
	passed := process.response with input as inp
		with data.mcp_gateway.scan.unscannable_outputs as "allow"
		with jrego.injection.scan as flags_marker
	passed == {"allowed": true, "headers": {"x-jrego-output-scan": "skipped"}}
}

test_refused_calls_get_no_response_rules if {
	phase(answered(t.call(t.agent, "delete_database", {}), call_answer("INJECT"))) == {"allowed": true}
}
