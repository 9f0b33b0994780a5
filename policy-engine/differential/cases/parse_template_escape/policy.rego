package diff.parse_template_escape

# In $"..." only JSON escapes are legal: a brace is written {"{"}, never \{.
greeting := $"hello \{name\}"
