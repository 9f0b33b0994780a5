# Leading comment

# METADATA
# title: pkg
package comments # trailing on package

import data.b # on an import
# between imports
import data.a

# before a rule
allow if {
	input.x # end of line
	# own line, no gap before it

	input.y
	# last line in the body
}

deny contains msg if {
	msg := "m"
	# before the closing brace of a contains rule
}

obj := {
	"a": 1, # after a
	# before b
	"b": 2,
}

# trailing comment at the end
