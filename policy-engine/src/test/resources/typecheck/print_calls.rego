package t
p if { print(count(1)) }
