package e
v if { some y; x := 1 + "a"; x }
w if { some q; input.x == {"a": 1}.b }
