package t
p := 1
q := p
p := 2 if q
