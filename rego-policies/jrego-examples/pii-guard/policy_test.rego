package pii_example_test

import rego.v1

import data.pii_example

gateway := {"id": "spiffe://cluster.local/ns/edge/sa/api-gateway"}

exporter := {"id": "spiffe://cluster.local/ns/partners/sa/exporter"}

orchestrator := {"id": "spiffe://cluster.local/ns/ai/sa/orchestrator"}

req(who, msgs) := {"spiffe": who, "parsed_body": {"model": "gpt-4o-mini", "messages": msgs}}

user(text) := {"role": "user", "content": text}

test_clean_prompt_allowed_with_token_count if {
	d := pii_example.decision with input as req(gateway, [user("What is the capital of France?")])
	d.allowed
	d.headers["x-jrego-pii-action"] == "none"

	# 3 (reply) + 3 (message) + "user" 1 + the question 7, in o200k_base
	d.headers["x-jrego-prompt-tokens"] == "14"
}

test_secret_refused_even_for_orchestrator if {
	d := pii_example.decision with input as req(orchestrator, [user("use key AKIAIOSFODNN7EXAMPLE please")])
	not d.allowed
	d.http_status == 400
	json.unmarshal(d.body).reason == "credentials in the prompt: aws_access_key"
}

test_pii_blocked_for_blocking_caller if {
	d := pii_example.decision with input as req(exporter, [user("my card is 4111 1111 1111 1111")])
	not d.allowed
	json.unmarshal(d.body).reason == "personal data in the prompt: card"
}

test_pii_redacted_for_redacting_caller if {
	r := req(gateway, [user("mail bob@example.com and bob@example.com, call +44 20 7946 0958")])
	d := pii_example.decision with input as r
	d.allowed
	d.headers["x-jrego-pii-action"] == "redact"
	msgs := pii_example.redacted_messages with input as r
	msgs[0].content == "mail <EMAIL_1> and <EMAIL_1>, call <PHONE_1>"
}

test_pii_allowed_for_orchestrator if {
	d := pii_example.decision with input as req(orchestrator, [user("IBAN DE89 3704 0044 0532 0130 00")])
	d.allowed
	d.headers["x-jrego-pii-action"] == "allow"
}

test_unknown_caller_gets_default_block if {
	d := pii_example.decision with input as req({"id": "spiffe://cluster.local/ns/x/sa/y"}, [user("SSN 536-22-1234")])
	not d.allowed
}

test_text_parts_are_scanned if {
	parts := [{"type": "text", "text": "token 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"}, {"type": "image_url", "image_url": {"url": "https://x.example/a.png"}}]
	d := pii_example.decision with input as req(gateway, [{"role": "user", "content": parts}])
	json.unmarshal(d.body).reason == "credentials in the prompt: github_token"
}

test_token_budget_enforced if {
	r := {"spiffe": orchestrator, "parsed_body": {"model": "gpt-4", "max_tokens": 7995, "messages": [user("hello there")]}}
	d := pii_example.decision with input as r
	not d.allowed
	json.unmarshal(d.body).reason == "prompt of 9 tokens plus 7995 requested exceeds 8000"
}

test_scan_spans_are_code_points if {
	text := "😀 é mail: bob@example.com"
	f := jrego.pii.scan(text, {"include_text": true}).findings[0]
	substring(text, f.start, f.end - f.start) == "bob@example.com"
	f.text == "bob@example.com"
	f.confidence == 1
}

test_restore_puts_originals_back if {
	r := jrego.pii.redact("call +44 20 7946 0958", {})
	answer := concat("", ["I will call ", r.findings[0].replacement, " today"])
	jrego.pii.restore(answer, r.mapping) == "I will call +44 20 7946 0958 today"
}

test_mask_mode if {
	jrego.pii.redact("a@b.io and 4111111111111111", {"mode": "mask", "mask": "***"}).text == "*** and ***"
}

test_encoding_names if {
	jrego.tokens.encoding("gpt-4o") == "o200k_base"
	jrego.tokens.encoding("claude-3-opus") == "estimate"
	jrego.tokens.count("hello world", "cl100k_base") == 2
}
