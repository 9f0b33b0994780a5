# METADATA
# title: back-to-back blocks
package diff.metadata_back_to_back

# Two METADATA blocks with no line between them are two annotations of the next rule, as OPA
# reads them; rego.metadata.rule() gives the first.

# METADATA
# title: one
# METADATA
# description: two
first := rego.metadata.rule()

# METADATA
# title: three
# custom:
#   tier: gold
# METADATA
# scope: rule
# description: four
second := rego.metadata.rule()

chain := rego.metadata.chain()
