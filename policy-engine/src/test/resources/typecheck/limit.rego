package t
p1 if count(1)
p2 if count(2)
p3 if count(3)
p4 if upper(4)
p5 if upper(5)
p6 if lower(6)
p7 if lower(7)
p8 if 1 + "8"
p9 if 1 - "9"
p10 if 1 * "10"
p11 if 1 / "11"
p12 if abs("12")
