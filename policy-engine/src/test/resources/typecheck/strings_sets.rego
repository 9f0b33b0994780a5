package t
p := concat(",", {1, 2})
q := split(1, ",")
r := replace("a", 1, "b")
s := trim_space(["a"])
t := json.marshal(1) + 1
