package t
p if { x := "a"; startswith(x) }
