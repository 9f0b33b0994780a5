package diff.basic_auth

auth := object.get(input.attributes.request.http.headers, "authorization", "")

basic := trim_prefix(auth, "Basic ") if startswith(auth, "Basic ")

credentials := split(base64.decode(basic), ":")

user := credentials[0]

valid if {
	crypto.sha256(credentials[1]) == data.users[user].sha256
}

bearer := trim_prefix(auth, "Bearer ") if startswith(auth, "Bearer ")

bearer_parts := split(bearer, ".")

encoded := {
	"b64": base64.encode("hello, world"),
	"b64url": base64url.encode_no_pad("??>>"),
	"b64url_dec": base64url.decode("Pz8-Pg"),
	"hex": hex.encode("AZ"),
	"urlenc": urlquery.encode("a b&c=d/é"),
	"urlobj": urlquery.encode_object({"q": "x y", "list": ["1", "2"]}),
	"urldec": urlquery.decode("a%20b+c"),
	"md5": crypto.md5("jrego"),
	"sha1": crypto.sha1("jrego"),
	"hmac": crypto.hmac.sha256("msg", "key"),
	"is_valid": base64.is_valid("not base64!"),
}
