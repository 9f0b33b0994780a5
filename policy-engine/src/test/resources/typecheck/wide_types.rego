package t
p := object.union({"a": 1}, [1])
q := json.patch(1, "a")
r := walk(1, 2, 3)
