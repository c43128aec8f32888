package keycard.globs_test

import data.keycard.globs

users := "arn:aws:iam::123456789012:user/"

# In these tests `*` and `?` in patterns are written as U+E001 and U+E002, and an unknown
# part of the request as U+E000, as the loader and the engine encode them.

test_a_literal_pattern_overlaps_an_unknown_path if {
	globs.overlaps(concat("", [users, "admin"]), concat("", [users, "\ue000admin"]))
}

test_a_different_name_cannot_overlap if {
	not globs.overlaps(concat("", [users, "bob"]), concat("", [users, "\ue000admin"]))
	not globs.overlaps("arn:aws:iam::123456789012:role/admin", concat("", [users, "\ue000admin"]))
}

test_wildcards_overlap_unknown_parts if {
	globs.overlaps(concat("", [users, "\ue001admin\ue001"]), concat("", [users, "\ue000bob"]))
	globs.overlaps(concat("", [users, "adm\ue002n"]), concat("", [users, "\ue000admin"]))
	globs.overlaps(concat("", [users, "\ue002"]), concat("", [users, "\ue000"]))
}

test_a_one_character_wildcard_needs_a_character if {
	not globs.overlaps(concat("", [users, "a\ue002"]), concat("", [users, "a"]))
	globs.overlaps(concat("", [users, "a\ue002"]), concat("", [users, "a\ue000"]))
}

test_known_text_after_an_unknown_part_must_fit if {
	not globs.overlaps(concat("", [users, "a\ue001b"]), concat("", [users, "\ue000c"]))
	globs.overlaps(concat("", [users, "a\ue001b"]), concat("", [users, "\ue000b"]))
}

test_lengths_that_cannot_meet if {
	not globs.overlaps(concat("", [users, "abc"]), users)
	not globs.overlaps(users, concat("", [users, "abc"]))
	globs.overlaps(users, concat("", [users, "\ue000"]))
}

test_too_large_a_product_is_assumed_to_overlap if {
	long := concat("", [x | some _ in numbers.range(1, 80); x := "\ue001a"])
	globs.overlaps(long, concat("", [x | some _ in numbers.range(1, 80); x := "b\ue000"]))
}

test_an_unknown_part_of_known_length if {
	secret := "arn:aws:secretsmanager:us-east-1:1:secret:db-"
	fixed := concat("", [secret, "\ue003\ue003"])
	globs.overlaps(concat("", [secret, "\ue002\ue002"]), fixed)
	globs.overlaps(concat("", [secret, "ab"]), fixed)
	not globs.overlaps(concat("", [secret, "abc"]), fixed)
	not globs.overlaps(concat("", [secret, "\ue002"]), fixed)
}
