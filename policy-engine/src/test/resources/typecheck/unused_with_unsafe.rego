package f
v if { some y; count(2) ; z}
