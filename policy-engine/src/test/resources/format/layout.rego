package layout

short := [1,2,   3]
tall := [
  1, 2,
  3]
opened := [
	1]
obj := {"b":1,
  "a": 2}
s := {3,1,2}
empty_set := set()
empty_obj := {}
call_args := concat(",",
  ["a", "b"])
arith := (1 + 2) * 3 - 4 / 2
nested := 1 + 2 * 3
neg := -x
union := {1} | {2}
ws := [x | x := {1} | {2}]
p if { input.a }
q if {
	input.a
}
r if { input.a; input.b }
one := 1
two := 2

three := 3
