package t
p := foo(1)
q := t.bar(1)
