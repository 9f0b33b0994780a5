package t
p if count(upper(1)) > 0
q := sprintf("%d", 1)
r := sprintf(1, [1])
