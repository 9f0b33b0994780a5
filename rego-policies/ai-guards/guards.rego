# ai-guards: the ai-gateway bundle's prompt-injection check on jrego's own builtins.
#
# Loaded beside ai-gateway (jrego serve --bundle rego-policies/ai-gateway --bundle
# rego-policies/ai-guards; disjoint roots), it gives data.ai_guards.injection_reason, which
# ai-gateway's policy.rego checks after its own pattern markers: every chat message whose role is
# in data.ai_guards_config.roles (user, tool and function results; not the operator's system
# prompt nor the model's own turns) is scanned with jrego.injection.scan, tool and function
# results as data (instructions in them weigh more), in every language the scan knows and through
# its normalised and decoded views. Without this bundle (real OPA, OPA-Envoy) ai-gateway keeps its
# OPA-portable patterns alone; its decision contract is the same either way: 400
# prompt_injection with a reason.
package ai_guards

cfg := data.ai_guards_config

texts contains {"index": i, "role": role, "text": m.content} if {
	some i, m in input.parsed_body.messages
	role := lower(m.role)
	cfg.roles[role]
	is_string(m.content)
}

texts contains {"index": i, "role": role, "text": part.text} if {
	some i, m in input.parsed_body.messages
	role := lower(m.role)
	cfg.roles[role]
	is_array(m.content)
	some part in m.content
	part.type == "text"
	is_string(part.text)
}

flagged contains [t.index, t.role, r.categories] if {
	some t in texts
	r := jrego.injection.scan(t.text, {"source": cfg.roles[t.role], "threshold": cfg.threshold})
	r.detected
}

# The first flagged message, in message order.
first := sort(flagged)[0]

injection_reason := sprintf("%s message %d carries a prompt injection (%s)", [first[1], first[0], concat(", ", first[2])])
