# An example of token budgets decided in Rego and enforced by jrego (not OPA-compatible: it needs
# jrego.tokens.*, and only jrego acts on the decision's `budget` field). Serve it with
#   jrego serve --bundle rego-policies/jrego-examples/token-budgets --path budget_example/allow
# For every chat request of a known caller:
#   - the estimate is the prompt's tokens (counted as OpenAI does) plus the requested maximum
#     (max_completion_tokens, else max_tokens, else the tier's default);
#   - it is reserved against the caller's budget for the model (per minute, with a cap on
#     concurrent streams) and against the caller's team budget (per day), all or nothing;
#   - when a budget refuses, jrego answers 429 with Retry-After, x-ratelimit-* and the body below;
#   - with ext_proc, the answer's reported usage settles the reservation; a streaming OpenAI chat or
#     completions request is asked to report it (include_usage; other APIs report it unasked).
# Budgets live in data.token_budgets: tiers of limits, callers mapped to a team and a tier.
package budget_example

import rego.v1

cfg := data.token_budgets

caller := input.spiffe.id

body := input.parsed_body

model := body.model

member := cfg.callers[caller]

tier := cfg.tiers[member.tier]

asked := [n |
	some field in ["max_completion_tokens", "max_tokens"]
	n := object.get(body, field, null)
	is_number(n)
]

# The answer's maximum: as the client asked, else the tier's default; never above the tier's cap.
requested := min([asked[0], tier.max_tokens_cap]) if count(asked) > 0

requested := tier.default_max_tokens if count(asked) == 0

# What the request may cost at most, as the model will count it.
estimate := jrego.tokens.count_messages(body.messages, model) + requested

limits := [
	{
		"key": sprintf("caller:%s/model:%s", [caller, model]),
		"window": "minute",
		"limit_tokens": tier.tokens_per_minute,
		"max_concurrent": tier.max_streams,
	},
	{
		"key": sprintf("team:%s", [member.team]),
		"window": "day",
		"limit_tokens": cfg.teams[member.team].tokens_per_day,
		"limit_requests": cfg.teams[member.team].requests_per_day,
	},
]

# OpenAI's chat completions and completions report a stream's usage only when asked.
openai_stream_paths := {["v1", "chat", "completions"], ["v1", "completions"]}

default include_usage := false

include_usage if input.parsed_path in openai_stream_paths

default allow := {"allowed": false, "http_status": 403, "body": "{\"error\":\"unknown caller\"}"}

allow := {
	"allowed": true,
	"headers": {"x-jrego-budget-tier": member.tier},
	"budget": {
		"estimate": estimate,
		"limits": limits,
		"include_usage": include_usage,
		"rejected_body": {"error": {
			"type": "rate_limit_exceeded",
			"message": sprintf("token budget of %s (team %s) is spent; retry later", [caller, member.team]),
		}},
	},
} if {
	member
	is_array(body.messages)
}
