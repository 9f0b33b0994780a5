package diff.number_literals

# Literals keep their written text: compared as strings, since 1e2 == 100.
marshaled := json.marshal([1e2, 2.50, -0, 1.0, 0.1e1, 1E2])

keys := json.marshal({2.50: "a", 1e2: "b"})

formatted := sprintf("%v|%v|%v|%s|%d", [1e2, 2.50, -0, [1e2, 2.50], 7])

as_yaml := yaml.marshal({"a": 1e2, "b": [2.50], "c": -0})

computed := json.marshal([1e2 + 0, 2.50 * 2, 10 / 4, 1.0 * 1])

from_string := json.marshal([to_number("1e2"), to_number("2.50")])

unmarshaled := json.marshal(json.unmarshal("[1e2, 2.50, 1.0]"))

is_hundred if 1e2 == 100

set_size := count({1e2, 100, 1.0, 1})
