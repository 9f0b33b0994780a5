package t
p if count(1)
q if 1 + "a"
r := concat(",", "ab")
s := sum(["a"])
u := upper(1)
