package payments.process

# The payments workload's ext_proc rule: e-mail addresses in a chat request never reach its model.
request := {"allowed": true,
  "body_edits": [{"op": "pii", "path": "/messages/0/content", "action": "redact",
                  "types": ["email"]}]} if input.parsed_body.messages
