package st

x := 1 if true

x := 2 if true

f(a) := 1 if a > 0

f(a) := 2 if a > 0

o[k] := v if {
	some k, v in {"a": 1}
}

o[k] := v if {
	some k, v in {"a": 2}
}

d := 1 / 0

g(a) := y if {
	y := a / 0
}

h := [y | some z in [1]; y := z / 0]

w := g(1) if true

nested := r if {
	r := {k | some k in [1]; k == g(k)}
}

deep if {
	some i in [1, 2]
	i > 1
	y := to_number("a")
	y
}

e if {
	every v in [1] {
		g(v)
	}
}

n if {
	not g(1)
}

m := y if {
	y := input.a with input.a as g(2)
}

c := [1 | data.st.x]

objc := {k: v | some k in ["a", "a"]; some v in [1, 2]}

one(a) := a

twice := y if {
	y := g(one(1))
}

t := y if {
	y := units.parse("x")
}

else_err := 1 if {
	false
} else := y if {
	y := 1 / 0
}
