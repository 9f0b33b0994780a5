package budget_example_test

import rego.v1

import data.budget_example

orchestrator := {
	"spiffe": {"id": "spiffe://cluster.local/ns/ai/sa/orchestrator"},
	"parsed_body": {
		"model": "gpt-4o-mini",
		"max_tokens": 100,
		"messages": [{"role": "user", "content": "hello"}],
	},
}

test_estimate_is_prompt_plus_max_tokens if {
	d := budget_example.allow with input as orchestrator

	# "user" and "hello" are a token each, +3 for the message, +3 to prime the reply.
	d.budget.estimate == 108
	d.allowed
}

test_openai_chat_streams_are_asked_for_usage if {
	d := budget_example.allow with input as object.union(orchestrator, {"parsed_path": ["v1", "chat", "completions"]})
	d.budget.include_usage
	e := budget_example.allow with input as object.union(orchestrator, {"parsed_path": ["v1", "messages"]})
	not e.budget.include_usage
}

test_two_budgets_caller_model_and_team if {
	d := budget_example.allow with input as orchestrator
	[a, b] := d.budget.limits
	a.key == "caller:spiffe://cluster.local/ns/ai/sa/orchestrator/model:gpt-4o-mini"
	a.window == "minute"
	a.limit_tokens == 2000
	a.max_concurrent == 4
	b.key == "team:agents"
	b.window == "day"
	b.limit_requests == 10000
}

test_default_and_capped_max_tokens if {
	no_max := json.patch(orchestrator, [{"op": "remove", "path": "/parsed_body/max_tokens"}])
	d := budget_example.allow with input as no_max
	d.budget.estimate == 8 + 256
	huge := json.patch(orchestrator, [{"op": "add", "path": "/parsed_body/max_completion_tokens", "value": 100000}])
	e := budget_example.allow with input as huge
	e.budget.estimate == 8 + 1024
}

test_unknown_caller_denied if {
	d := budget_example.allow with input as json.patch(orchestrator, [{"op": "replace", "path": "/spiffe/id", "value": "spiffe://x/y"}])
	not d.allowed
	d.http_status == 403
}
