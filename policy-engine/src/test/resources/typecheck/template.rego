package t
p := $"a {count(1)}"
