package diff.uri_builtins

urls := [
	"https://user:pw@Example.COM:8443/a%20b/c%2Fd?x=1&y=%20#frag%21",
	"HTTP://h/p",
	"mailto:joe@x.com",
	"/just/path?q",
	"//host:80",
	"http://[::1]:80/x",
	"http://[fe80::1%25en0]/",
	"http://h/a b",
	"http://h/%C3%BC?a=1?b",
	"*",
	"x?",
	"",
	"http://[::1",
	"http://h:abc/",
	"http://h h/",
	"http://h/%zz",
	"http://h/#%zz",
	":x",
	"a/b:c",
	"1a:b/c",
	"http://us er@h/",
	"http://%41/",
	"http://[1.2.3.4]/",
	"http://[1.2.3]/",
	"http://[::g]/",
	"http://[1::2::3]/",
	"http://[fe80::1%25]/",
	"http://[::ffff:1.2.3.4]:8080/",
]

# uri.parse is undefined (non-strict) where Go's url.Parse fails.
parsed[u] := uri.parse(u) if some u in urls

valid[u] := uri.is_valid(u) if some u in urls

request := uri.parse(input.attributes.request.http.path)

path_query := urlquery.decode_object(object.get(request, "raw_query", ""))
