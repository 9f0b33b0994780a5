# Tests of mcp-gateway's Check decision. They run on jrego and on real OPA
# (opa test --capabilities rego-policies/capabilities/jrego.json); the argument scan's builtin is
# replaced by `no_injection` here, so OPA can evaluate the rest. The scan itself is tested with
# the real builtin in guards_test.rego (jrego only).
package mcp.authz_test

import data.mcp.authz

orchestrator := "spiffe://cluster.local/ns/ai/sa/orchestrator"

agent := "spiffe://cluster.local/ns/support/sa/agent"

stranger := "spiffe://cluster.local/ns/web/sa/frontend"

no_injection(_, _) := {"detected": false, "categories": [], "findings": [], "threshold": 50}

request(caller, body, extra_headers) := {
	"attributes": {"request": {"http": {
		"method": "POST",
		"path": "/mcp",
		"headers": object.union({"content-type": "application/json", "mcp-protocol-version": "2025-11-25"}, extra_headers),
	}}},
	"parsed_body": body,
	"truncated_body": false,
	"spiffe": {"id": caller},
}

call(caller, tool, args) := request(caller, {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": args}}, {})

decide(inp) := d if {
	d := authz.allow with input as inp with jrego.injection.scan as no_injection
}

error_of(decision) := json.unmarshal(decision.body).error

test_allowed_call_of_a_granted_tool if {
	d := decide(call(agent, "get_weather", {"location": "Lisbon"}))
	d.allowed
	d.headers["x-jrego-caller"] == agent
}

test_tool_outside_the_grant_is_a_jsonrpc_error_with_the_request_id if {
	d := decide(call(agent, "delete_database", {}))
	not d.allowed
	d.http_status == 200
	b := json.unmarshal(d.body)
	b.jsonrpc == "2.0"
	b.id == 7
	b.error.code == -32001
	b.error.message == "caller may not use tool \"delete_database\""
}

test_deny_wins_over_a_wildcard_grant if {
	# The orchestrator may call every tool; no deny names it, so run_shell passes for it...
	decide(call(orchestrator, "run_shell", {"cmd": "ls"})).allowed

	# ...while an agent granted run_shell by an extra grant is still refused by the deny.
	grants := array.concat(data.mcp_gateway.grants, [{"id": "x", "spiffe": [agent], "tools": ["run_shell"]}])
	d := authz.allow with input as call(agent, "run_shell", {"cmd": "ls"})
		with data.mcp_gateway.grants as grants
		with jrego.injection.scan as no_injection
	not d.allowed
	contains(error_of(d).message, "run_shell")
}

test_caller_without_any_grant_is_refused_even_initialize if {
	d := decide(request(stranger, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25"}}, {}))
	not d.allowed
	error_of(d).message == "caller has no MCP grant"
}

test_initialize_needs_no_version_header if {
	inp := request(agent, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25"}}, {})
	d := decide(json.remove(inp, ["attributes/request/http/headers/mcp-protocol-version"]))
	d.allowed
}

test_missing_version_header_after_initialize_is_400 if {
	inp := json.remove(call(agent, "get_weather", {"location": "Oslo"}), ["attributes/request/http/headers/mcp-protocol-version"])
	d := decide(inp)
	d.http_status == 400
	error_of(d).code == -32022
	error_of(d).message == "MCP-Protocol-Version header is missing"
}

test_unsupported_version_is_400 if {
	d := decide(request(agent, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, {"mcp-protocol-version": "2024-11-05"}))
	d.http_status == 400
	error_of(d).code == -32022
	startswith(error_of(d).message, "unsupported MCP-Protocol-Version 2024-11-05")
}

test_mirrored_headers_must_match_the_body if {
	body := {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "get_weather", "arguments": {"location": "Rome"}}}
	good := {"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "get_weather"}
	decide(request(agent, body, good)).allowed

	lying := decide(request(agent, body, object.union(good, {"mcp-name": "search_docs"})))
	lying.http_status == 400
	error_of(lying).code == -32020
	json.unmarshal(lying.body).id == 9

	missing := decide(request(agent, body, {"mcp-protocol-version": "2026-07-28"}))
	error_of(missing).code == -32020
}

test_mirrored_name_may_be_base64_encoded if {
	body := {"jsonrpc": "2.0", "id": 9, "method": "prompts/get", "params": {"name": "résumé"}}
	grants := [{"id": "p", "spiffe": [agent], "prompts": ["*"]}]
	hdrs := {"mcp-protocol-version": "2026-07-28", "mcp-method": "prompts/get", "mcp-name": sprintf("=?base64?%s?=", [base64.encode("résumé")])}
	d := authz.allow with input as request(agent, body, hdrs) with data.mcp_gateway.grants as grants
	d.allowed
}

test_older_revisions_do_not_need_mirrored_headers if {
	decide(call(agent, "get_weather", {"location": "Rome"})).allowed
}

test_batch_and_non_jsonrpc_bodies_are_invalid_requests if {
	batch := decide(request(agent, [{"jsonrpc": "2.0", "id": 1, "method": "ping"}], {}))
	batch.http_status == 400
	error_of(batch).code == -32600
	json.unmarshal(batch.body).id == null

	plain := decide(request(agent, {"method": "ping"}, {}))
	error_of(plain).code == -32600
}

test_method_outside_the_list_is_refused if {
	d := decide(request(orchestrator, {"jsonrpc": "2.0", "id": 4, "method": "sampling/createMessage"}, {}))
	not d.allowed
	error_of(d).message == "method sampling/createMessage is not allowed"
}

read(caller, uri) := request(caller, {"jsonrpc": "2.0", "id": 5, "method": "resources/read", "params": {"uri": uri}}, {})

test_resources_follow_uri_globs_and_denies if {
	decide(read(agent, "docs://public/handbook/leave.md")).allowed
	not decide(read(agent, "docs://internal/salaries.md")).allowed
	decide(read(orchestrator, "docs://internal/salaries.md")).allowed
	not decide(read(orchestrator, "secret://db/password")).allowed
	not decide(read(orchestrator, "file:///etc/shadow")).allowed
}

get_prompt(name) := request(agent, {"jsonrpc": "2.0", "id": 6, "method": "prompts/get", "params": {"name": name}}, {})

test_prompts_are_checked_by_name if {
	decide(get_prompt("summarize")).allowed
	not decide(get_prompt("jailbreak_helper")).allowed
}

test_call_without_a_name_is_invalid if {
	d := decide(request(agent, {"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {}}, {}))
	error_of(d).code == -32600
	error_of(d).message == "tools/call needs params.name, a string"
}

test_arguments_are_checked_against_the_tools_schema if {
	d := decide(call(agent, "get_weather", {"location": "Rome", "shell": "rm -rf /"}))
	not d.allowed
	error_of(d).code == -32602
	startswith(error_of(d).message, "arguments of get_weather: ")
	decide(call(agent, "get_weather", {"location": "Rome"})).allowed
	not decide(call(agent, "get_weather", {})).allowed
	not decide(call(orchestrator, "close_ticket", {"id": "T-12; DROP TABLE"})).allowed
	decide(call(orchestrator, "close_ticket", {"id": "T-12"})).allowed
}

test_http_denial_style_answers_403_with_insufficient_scope if {
	d := authz.allow with input as call(agent, "close_ticket", {"id": "T-1"})
		with data.mcp_gateway.denial as "http"
		with jrego.injection.scan as no_injection
	d.http_status == 403
	d.headers["www-authenticate"] == "Bearer error=\"insufficient_scope\", scope=\"tickets:write\", resource_metadata=\"https://mcp.example.internal/.well-known/oauth-protected-resource/mcp\""
	json.unmarshal(d.body).reason == "caller may not use tool \"close_ticket\""
}

test_caller_identity_comes_first if {
	inp := json.remove(call(agent, "get_weather", {"location": "x"}), ["spiffe"])
	d := decide(inp)
	d.http_status == 403
	json.unmarshal(d.body).reason == "no verified caller identity"
	other := decide(call("spiffe://evil.example/ns/a/sa/b", "get_weather", {"location": "x"}))
	json.unmarshal(other.body).reason == "caller is not in trust domain cluster.local"
}

test_other_paths_are_open_to_identified_callers if {
	inp := {"attributes": {"request": {"http": {"method": "GET", "path": "/.well-known/oauth-protected-resource/mcp", "headers": {}}}}, "spiffe": {"id": stranger}}
	decide(inp).allowed
}

test_get_stream_and_delete_session_need_only_a_grant if {
	get := {"attributes": {"request": {"http": {"method": "GET", "path": "/mcp", "headers": {"mcp-protocol-version": "2025-11-25"}}}}, "spiffe": {"id": agent}}
	decide(get).allowed
	not decide(json.patch(get, [{"op": "replace", "path": "/spiffe/id", "value": stranger}])).allowed
	put := json.patch(get, [{"op": "replace", "path": "/attributes/request/http/method", "value": "PUT"}])
	error_of(decide(put)).code == -32600
}

# ---------------------------------------------------------------------------------------
# OAuth: tokens signed with a P-256 key made for these tests only; its public half is the JWKS.

key_for_tests := {"kty": "EC", "crv": "P-256", "x": "A7B_GeMGBFNzh8zOEvkxCyYdaIfG4Pq9fv54roWX8NM", "y": "rLz1Dx2X6nlMDberSqyAS-olQWq6kFRyaRu7gO2CHMI", "d": "NOq3LgRp4hk1iU1kGXaP-_DucnseAyifNPguV1CpNyU"}

jwks_for_tests := json.marshal({"keys": [object.remove(key_for_tests, ["d"])]})

oauth_for_tests := {
	"required": true,
	"resource": "https://mcp.example.internal/mcp",
	"issuers": ["https://auth.example.internal"],
	"verification": {"cert": jwks_for_tests},
	"resource_metadata": "https://mcp.example.internal/.well-known/oauth-protected-resource/mcp",
}

token(claims) := io.jwt.encode_sign(
	{"typ": "JWT", "alg": "ES256"},
	object.union({"iss": "https://auth.example.internal", "aud": "https://mcp.example.internal/mcp", "exp": 4102444800}, claims),
	key_for_tests,
)

with_token(inp, t) := json.patch(inp, [{"op": "add", "path": "/attributes/request/http/headers/authorization", "value": concat(" ", ["Bearer", t])}])

decide_oauth(inp) := d if {
	d := authz.allow with input as inp
		with data.mcp_gateway.oauth as oauth_for_tests
		with jrego.injection.scan as no_injection
}

test_oauth_missing_token_is_401_with_resource_metadata if {
	d := decide_oauth(call(agent, "get_weather", {"location": "x"}))
	d.http_status == 401
	d.headers["www-authenticate"] == "Bearer resource_metadata=\"https://mcp.example.internal/.well-known/oauth-protected-resource/mcp\""
}

test_oauth_valid_token_passes if {
	decide_oauth(with_token(call(agent, "get_weather", {"location": "x"}), token({}))).allowed
}

test_oauth_token_for_another_audience_is_refused if {
	t := token({"aud": "https://other.example.internal/mcp"})
	d := decide_oauth(with_token(call(agent, "get_weather", {"location": "x"}), t))
	d.http_status == 401
	json.unmarshal(d.body).reason == "bearer token was not issued for this resource"
	contains(d.headers["www-authenticate"], "error=\"invalid_token\"")
}

test_oauth_audience_may_be_a_list if {
	t := token({"aud": ["https://x.example", "https://mcp.example.internal/mcp"]})
	decide_oauth(with_token(call(agent, "get_weather", {"location": "x"}), t)).allowed
}

test_oauth_expired_wrong_issuer_or_bad_signature_is_invalid if {
	expired := token({"exp": 1000})
	json.unmarshal(decide_oauth(with_token(call(agent, "get_weather", {"location": "x"}), expired)).body).reason == "invalid bearer token"
	foreign := token({"iss": "https://evil.example"})
	json.unmarshal(decide_oauth(with_token(call(agent, "get_weather", {"location": "x"}), foreign)).body).reason == "invalid bearer token"
	forged := io.jwt.encode_sign({"typ": "JWT", "alg": "HS256"}, {"iss": "https://auth.example.internal", "aud": "https://mcp.example.internal/mcp", "exp": 4102444800}, {"kty": "oct", "k": "b3RoZXI"}) # HS256 with a guessed secret
	json.unmarshal(decide_oauth(with_token(call(agent, "get_weather", {"location": "x"}), forged)).body).reason == "invalid bearer token"
}

test_oauth_scope_grants_a_tool if {
	# The agent's SPIFFE grant does not list close_ticket; the tickets:write scope does.
	inp := call(agent, "close_ticket", {"id": "T-7"})
	not decide_oauth(with_token(inp, token({"scope": "tickets:read"}))).allowed
	decide_oauth(with_token(inp, token({"scope": "openid tickets:write"}))).allowed
	decide_oauth(with_token(inp, token({"scp": ["tickets:write"]}))).allowed
}

test_claims_condition_a_grant if {
	grants := [{"id": "eu-staff", "claims": {"region": "eu"}, "tools": ["get_weather"]}]
	inp := with_token(call(stranger, "get_weather", {"location": "x"}), token({"region": "eu"}))
	authz.allow.allowed with input as inp
		with data.mcp_gateway.oauth as oauth_for_tests
		with data.mcp_gateway.grants as grants
		with jrego.injection.scan as no_injection
	us := with_token(call(stranger, "get_weather", {"location": "x"}), token({"region": "us"}))
	not authz.allow.allowed with input as us
		with data.mcp_gateway.oauth as oauth_for_tests
		with data.mcp_gateway.grants as grants
		with jrego.injection.scan as no_injection
}

# ---------------------------------------------------------------------------------------
# The path: spellings a server routes to /mcp are MCP requests here too.

at_path(inp, path) := json.patch(inp, [{"op": "replace", "path": "/attributes/request/http/path", "value": path}])

test_path_spellings_of_the_mcp_endpoint_are_checked if {
	every path in ["/mcp;x=1", "/MCP/", "//mcp", "/mcp%2F", "/mcp.", "/mcp?session=1", "/mcp%3Bx"] {
		d := decide(at_path(call(agent, "run_shell", {"cmd": "id"}), path))
		not d.allowed
		error_of(d).message == "caller may not use tool \"run_shell\""
	}
}

test_dot_segments_are_refused if {
	d := decide(at_path(call(agent, "get_weather", {"location": "x"}), "/public/../mcp"))
	d.http_status == 403
	json.unmarshal(d.body).reason == "non-canonical request path"
}

test_parsed_path_is_preferred_to_the_raw_path if {
	inp := object.union(at_path(call(agent, "run_shell", {"cmd": "id"}), "/elsewhere"), {"parsed_path": ["mcp"]})
	not decide(inp).allowed
}

test_resource_uris_with_dot_segments_are_refused if {
	every uri in ["docs://public/../internal/salaries.md", "docs://public/%2e%2e/internal/x", "docs://public/.%2E/x", "docs://public\\..\\x", "docs://public/./a.md"] {
		d := decide(read(agent, uri))
		not d.allowed
		endswith(error_of(d).message, "has dot segments")
	}
	decide(read(agent, "docs://public/handbook/..md")).allowed
}
