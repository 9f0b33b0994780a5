package t
p := 1
p contains 2
