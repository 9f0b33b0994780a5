package t
a.b.c := 1
a.b := 2
