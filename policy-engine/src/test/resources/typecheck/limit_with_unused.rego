package h
p1 if { some y1; count(1) }
p2 if { some y2; count(2) }
p3 if { some y3; count(3) }
p4 if { some y4; count(4) }
p5 if { some y5; count(5) }
p6 if { some y6; count(6) }
