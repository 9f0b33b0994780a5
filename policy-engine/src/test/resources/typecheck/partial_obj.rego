package t
o[k] := v if { some k, v in {"a": 1} }
p if upper(o.a)
q if o[1]
