package t
default p := 1
default p := 2
