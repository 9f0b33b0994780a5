package typecheck.call_of_rule

# A call of a rule that is no function: OPA's type checker names it an undefined function unless
# the rule's type is any or a union, which its checker cannot rule out.
r := 1

default d := "a"

s contains 1

c() := true

a := input.x

u := 1 if input.x

u := "one" if not input.x

x := r()

y := d()

z := s()

w := c()

v := a()

t := u()
