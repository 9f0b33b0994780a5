package t
p := [x | x := count(1)]
q := {x | x := input.a; x + "a"}
r := {k: v | v := 1 + "b"; k := "a"}
