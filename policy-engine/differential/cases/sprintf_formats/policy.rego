package diff.sprintf_formats

http := input.attributes.request.http

out := [
	sprintf("%v", [http.method]),
	sprintf("%s|%5s|%-5s|", ["a", "b", "c"]),
	sprintf("%d %03d %x %X %o %b", [255, 7, 255, 255, 8, 5]),
	sprintf("%q", [http.path]),
	sprintf("%v", [[1, "a", {"k": true}]]),
	sprintf("%v", [{"b": 1, "a": [null]}]),
	sprintf("%.2f %.0f %e %g", [3.14159, 2.5, 1234.5, 0.000012]),
	sprintf("%v %v", [1.5, 100000000000000000000]),
	sprintf("%v", [{1, 2, 3}]),
	sprintf("%T %T", ["x", 1]),
	sprintf("%d%%", [50]),
	sprintf("%v", [object.get(http.headers, "x-user", null)]),
]
