package fuzz.c
s := {x | some x in [1, 2, 3]; x != 2}
a := [[y | y := x] | some x in numbers.range(1, 3)]
o := {k: v | some k, v in {"a": {"b": `raw\n`}}}
n := internal.some_member_3([1 | true]) | 3
t := $"hello {input.name} {1 + 2}"
