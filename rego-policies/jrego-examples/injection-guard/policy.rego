# Example: a prompt-injection guard on jrego's own builtins (jrego.injection.scan). It needs
# jrego (real OPA does not have these builtins; `opa check --capabilities
# rego-policies/capabilities/jrego.json` accepts it). Not a shipped bundle: the ai-gateway
# rewrite on these builtins comes later.
#
# Every message role that carries text is scanned; tool results and retrieved documents are
# scanned as data (source "tool"/"document"), where instructions addressed to the model weigh
# more. The decision distinguishes block (score >= block_at), flag (detected below that) and
# allow, so a deployment can start by only logging.
package jrego.examples.injection_guard

import rego.v1

block_at := 70

role_source := {"user": "user", "system": "system", "developer": "system", "assistant": "assistant", "tool": "tool"}

texts contains {"index": i, "source": role_source[msg.role], "text": msg.content} if {
	some i, msg in input.messages
	is_string(msg.content)
}

texts contains {"index": i, "source": role_source[msg.role], "text": part.text} if {
	some i, msg in input.messages
	is_array(msg.content)
	some part in msg.content
	part.type == "text"
}

texts contains {"index": -1, "source": "document", "text": doc} if {
	some doc in input.retrieved
}

scans contains {"index": t.index, "source": t.source, "report": r} if {
	some t in texts
	r := jrego.injection.scan(t.text, {"source": t.source})
	r.detected
}

score := max([s.report.score | some s in scans]) if count(scans) > 0

else := 0

categories := {c | some s in scans; some c in s.report.categories}

decision := "block" if score >= block_at

else := "flag" if count(scans) > 0

else := "allow"
