package t
p if { [1] = {"a": 1} }
q if { x := 1; x == "a" }
r if { {"a": 1} = {"a": "b"} }
s if { [1, 2] = [1, "a"] }
