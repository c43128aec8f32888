# METADATA
# title: pattern overlap
# description: |
#   Decides whether a policy's resource pattern could match some value of a resource that is
#   only partly known. Both sides are strings of characters where three private-use
#   characters stand for what is not literal text:
#     U+E000  an unknown part of the request's resource (any text, including none)
#     U+E001  the pattern's `*` (any text, including none)
#     U+E002  the pattern's `?` (any one character)
#     U+E003  one unknown character of an unknown part whose length is known
#   The loader and the engine refuse these characters in policies and in known text, so they
#   never collide with real names.
package keycard.globs

unknown_part := "\ue000"

any_text := "\ue001"

one_char := "\ue002"

# The product of the two patterns has (n + 1) * (m + 1) states; past this many the overlap is
# assumed, which can only make a Deny apply or an Allow's exclusion hold: it fails closed.
max_states := 4096

# overlaps is true when some string matches the pattern and is a value the request may take.
overlaps(pattern, request) if {
	p := split(pattern, "")
	r := split(request, "")
	lead := literal_run(p, r)
	not mismatch_at(p, r, lead)
	p_rest := array.slice(p, lead, count(p))
	r_rest := array.slice(r, lead, count(r))
	trail := literal_run(reverse(p_rest), reverse(r_rest))
	not mismatch_at(reverse(p_rest), reverse(r_rest), trail)
	product_overlaps(
		array.slice(p_rest, 0, count(p_rest) - trail),
		array.slice(r_rest, 0, count(r_rest) - trail),
	)
}

reverse(chars) := [chars[count(chars) - k] | some k in numbers.range(1, count(chars))]

# literal_run is how many leading characters both sides have as equal literal text.
literal_run(p, r) := min(array.concat(
	[limit],
	[i |
		some i in numbers.range(0, limit - 1)
		not same_literal(p[i], r[i])
	],
)) if {
	limit := min([count(p), count(r)])
	limit > 0
} else := 0

same_literal(a, b) if {
	a == b
	literal(a)
}

literal(c) if not c in {"\ue000", "\ue001", "\ue002", "\ue003"}

# Two literal characters that differ where the literal runs end: nothing can match both.
mismatch_at(p, r, i) if {
	i < count(p)
	i < count(r)
	literal(p[i])
	literal(r[i])
	p[i] != r[i]
}

mismatch_at(p, r, i) if {
	i < count(p)
	literal(p[i])
	i == count(r)
}

mismatch_at(p, r, i) if {
	i < count(r)
	literal(r[i])
	i == count(p)
}

# product_overlaps searches the product of the two patterns: state (i, j) means the first i
# pattern characters and the first j request characters can produce the same text.
product_overlaps(p, r) if {
	n := count(p)
	m := count(r)
	(n + 1) * (m + 1) <= max_states
	width := m + 1
	edges := {state: successors |
		some i in numbers.range(0, n)
		some j in numbers.range(0, m)
		state := (i * width) + j
		successors := {t |
			some [a, b] in steps(p, r, i, j)
			t := (a * width) + b
		}
	}
	((n * width) + m) in graph.reachable(edges, {0})
}

product_overlaps(p, r) if (count(p) + 1) * (count(r) + 1) > max_states

steps(p, r, i, j) := (star_steps(p, r, i, j) | unknown_steps(p, r, i, j)) | char_steps(p, r, i, j)

# A `*` may stop, or take the next request character (all of an unknown part, if it is one).
star_steps(p, r, i, j) := {[i + 1, j]} | {[i, j + 1] | j < count(r)} if {
	i < count(p)
	p[i] == any_text
} else := set()

# An unknown part may end, or produce what the next pattern character stands for.
unknown_steps(p, r, i, j) := {[i, j + 1]} | {[i + 1, j] | i < count(p)} if {
	j < count(r)
	r[j] == unknown_part
} else := set()

char_steps(p, r, i, j) := {[i + 1, j + 1]} if {
	i < count(p)
	j < count(r)
	not p[i] == any_text
	not r[j] == unknown_part
	one_matches(p[i], r[j])
} else := set()

one_matches(c, _) if c == one_char

# An unknown character can be whatever one character the pattern asks for.
one_matches(_, "\ue003")

one_matches(c, d) if c == d
