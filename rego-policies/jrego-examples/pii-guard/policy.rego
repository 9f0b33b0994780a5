# An example of jrego's own builtins in a chat-completions guard (not OPA-compatible: it needs
# jrego.pii.* and jrego.tokens.*). For every request:
#   - a credential (API key, token, private key, password) in any message is refused, always;
#   - personal data is blocked, redacted or allowed, as data.pii_example.callers says per caller;
#   - the prompt's tokens (counted as OpenAI does) plus the requested maximum must fit
#     max_request_tokens.
# `decision` is an ext_authz-style answer; `redacted_messages` is what an ext_proc phase would
# send upstream for callers whose action is "redact".
package pii_example

import rego.v1

caller := input.spiffe.id

body := input.parsed_body

messages := body.messages

model := object.get(body, "model", "")

action := data.pii_example.callers[caller].pii

action := data.pii_example.default_pii_action if not data.pii_example.callers[caller]

# The text of a message: string content, or the text of its text parts.
message_text(m) := m.content if is_string(m.content)

message_text(m) := concat("\n", [p.text | some p in m.content; p.type == "text"]) if is_array(m.content)

scan_options := {
	"types": data.pii_example.scan_types,
	"min_confidence": data.pii_example.min_confidence,
}

secret_findings contains f if {
	some m in messages
	some f in jrego.pii.scan(message_text(m), {"types": ["secret"]}).findings
}

pii_findings contains f if {
	some m in messages
	some f in jrego.pii.scan(message_text(m), scan_options).findings
}

secret_types := {f.type | some f in secret_findings}

pii_types := {f.type | some f in pii_findings}

prompt_tokens := jrego.tokens.count_messages(messages, model)

requested_tokens := object.get(body, "max_completion_tokens", object.get(body, "max_tokens", 0))

over_budget if prompt_tokens + requested_tokens > data.pii_example.max_request_tokens

# Messages with personal data replaced by placeholders, for the ext_proc phase. Each message is
# redacted on its own here; the server's Java Redactor numbers placeholders across a request.
redacted_messages := [r |
	some m in messages
	r := redact_message(m)
]

redact_message(m) := object.union(m, {"content": jrego.pii.redact(m.content, scan_options).text}) if is_string(m.content)

redact_message(m) := m if not is_string(m.content)

deny_reason := sprintf("credentials in the prompt: %s", [concat(", ", sort(secret_types))]) if count(secret_types) > 0

else := sprintf("personal data in the prompt: %s", [concat(", ", sort(pii_types))]) if {
	action == "block"
	count(pii_types) > 0
} else := sprintf("prompt of %d tokens plus %d requested exceeds %d", [prompt_tokens, requested_tokens, data.pii_example.max_request_tokens]) if {
	over_budget
}

default decision := {"allowed": true, "headers": {"x-jrego-prompt-tokens": "0"}}

decision := {
	"allowed": false,
	"http_status": 400,
	"headers": {"content-type": "application/json"},
	"body": json.marshal({"code": "content_refused", "reason": deny_reason}),
} if deny_reason

decision := {
	"allowed": true,
	"headers": {
		"x-jrego-prompt-tokens": format_int(prompt_tokens, 10),
		"x-jrego-pii-action": pii_action_header,
	},
} if {
	not deny_reason
	messages
}

pii_action_header := action if count(pii_types) > 0

else := "none"
