package diff.with_partial_virtual

r := {"z": 1}

# with may replace a rule's whole document, never a part of it: rego_compile_error.
f := x if {
	x := data.diff.with_partial_virtual.r with data.diff.with_partial_virtual.r.z as 2
}
