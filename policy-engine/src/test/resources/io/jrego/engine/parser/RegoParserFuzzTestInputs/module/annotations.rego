# METADATA
# title: fuzz
# scope: package
# custom:
#   k: [1, 2]
package fuzz.meta

# METADATA
# description: a rule
allow if not input.deny
else := "no" if input.x
