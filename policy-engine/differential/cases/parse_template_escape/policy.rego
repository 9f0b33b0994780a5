package diff.parse_template_escape

# In $"..." \{ writes a brace, but \} is an illegal escape sequence, as in OPA.
greeting := $"hello \{name\}"
