package diff.in_statement

methods := ["GET", "GET", "HEAD"]

# A plain `x in xs` statement is one boolean check, however often x occurs in xs;
# `some x in xs` binds x once per element.
checks := [1 | input.attributes.request.http.method in methods]

each := [m | some m in methods; m == input.attributes.request.http.method]

pairs := [i | some i, "GET" in methods]

key_value := [1 | 0, "GET" in methods]

from_many := [1 | ["GET", "HEAD"][_] in methods]

negated := [1 | not "PUT" in methods]
