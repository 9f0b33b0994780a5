package strings

a := "plain"
b := "esc \" \\ \n \t \u00e9 \u0041"
c := `raw \n "quoted"`
d := input["with-dash"]["not"].plain["ok"]
e := input.x["é"]
n1 := 1.50
n2 := 1e3
n3 := -0
n4 := 10000000000000000000000
t := $"hello {input.name}, {1 + 2} {"lit"} {42}"
