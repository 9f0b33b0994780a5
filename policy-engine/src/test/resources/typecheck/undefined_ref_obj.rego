package t
o := {"a": 1, "b": "x"}
p := o.c
q := data.t.o.d
