package t
p := 1
p.q := 2
