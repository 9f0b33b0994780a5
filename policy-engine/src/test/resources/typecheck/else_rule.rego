package t
p := 1 if { false } else := count(1)
