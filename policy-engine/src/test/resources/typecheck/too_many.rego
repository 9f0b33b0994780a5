package t
p := count([1], 2, 3)
