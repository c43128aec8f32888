package keycard.conditions_test

import data.keycard.conditions

env := {
	"principal": {
		"accountId": "111122223333",
		"userId": "AIDAEXAMPLE",
		"username": "alice",
		"tags": {"team": "orders"},
	},
	"region": "eu-west-1",
}

# cond builds a compiled Condition entry the way the loader does.
cond(op, key, values) := {"op": op, "negated": false, "if_exists": false, "set": "", "key": key, "values": values}

negated(c) := object.union(c, {"negated": true})

if_exists(c) := object.union(c, {"if_exists": true})

for_all(c) := object.union(c, {"set": "all"})

for_any(c) := object.union(c, {"set": "any"})

# holds_with decides c for a request whose context is ctx.
holds_with(c, ctx) if conditions.holds(c, {"context": ctx}, env)

lit(s) := {"s": s}

var(key) := {"var": key}

text(s) := {"lit": s, "re": s}

# --- String ---------------------------------------------------------------------------

test_string_equals_is_case_sensitive if {
	c := cond("str_eq", "aws:principaltag/project", [lit("Blue")])
	holds_with(c, {"aws:PrincipalTag/project": "Blue"})
	not holds_with(c, {"aws:PrincipalTag/project": "blue"})
}

test_string_equals_does_not_expand_wildcards if {
	c := cond("str_eq", "s3:prefix", [lit("home/*")])
	holds_with(c, {"s3:prefix": "home/*"})
	not holds_with(c, {"s3:prefix": "home/alice"})
}

test_string_not_equals if {
	c := negated(cond("str_eq", "s3:prefix", [lit("home/")]))
	holds_with(c, {"s3:prefix": "public/"})
	not holds_with(c, {"s3:prefix": "home/"})
}

test_string_equals_ignore_case if {
	c := cond("str_eq_ic", "aws:principaltag/project", [lit("Blue")])
	holds_with(c, {"aws:PrincipalTag/project": "bLUE"})
	not holds_with(c, {"aws:PrincipalTag/project": "green"})
}

test_string_not_equals_ignore_case if {
	c := negated(cond("str_eq_ic", "aws:principaltag/project", [lit("Blue")]))
	holds_with(c, {"aws:PrincipalTag/project": "green"})
	not holds_with(c, {"aws:PrincipalTag/project": "BLUE"})
}

test_string_like_with_star_and_question_mark if {
	c := cond("str_like", "s3:prefix", [{"re": `^home/(?s:.*)/file-(?s:.)\.txt$`}])
	holds_with(c, {"s3:prefix": "home/alice/docs/file-1.txt"})
	not holds_with(c, {"s3:prefix": "home/alice/file-12.txt"})
	not holds_with(c, {"s3:prefix": "public/alice/file-1.txt"})
}

test_string_like_star_spans_line_breaks if {
	c := cond("str_like", "s3:prefix", [{"re": `^home/(?s:.*)$`}])
	holds_with(c, {"s3:prefix": "home/a\nb"})
}

test_string_like_prefix if {
	c := cond("str_like", "s3:prefix", [{"p": "home/"}])
	holds_with(c, {"s3:prefix": "home/alice"})
	holds_with(c, {"s3:prefix": "home/"})
	not holds_with(c, {"s3:prefix": "hom"})
}

test_string_not_like if {
	c := negated(cond("str_like", "s3:prefix", [{"p": "home/"}, {"re": `^public/(?s:.*)$`}]))
	holds_with(c, {"s3:prefix": "private/x"})
	not holds_with(c, {"s3:prefix": "home/x"})
	not holds_with(c, {"s3:prefix": "public/x"})
}

test_string_compares_numbers_and_booleans_as_text if {
	holds_with(cond("str_eq", "k:n", [lit("42")]), {"k:n": 42})
	holds_with(cond("str_eq", "k:b", [lit("true")]), {"k:b": true})
}

# --- Numeric --------------------------------------------------------------------------

test_numeric_operators if {
	holds_with(cond("num_eq", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": "10"})
	holds_with(cond("num_eq", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": 10})
	holds_with(cond("num_lt", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": "9"})
	not holds_with(cond("num_lt", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": "10"})
	holds_with(cond("num_lte", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": "10"})
	not holds_with(cond("num_lte", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": "11"})
	holds_with(cond("num_gt", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": "10.5"})
	not holds_with(cond("num_gt", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": "10"})
	holds_with(cond("num_gte", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": "10"})
	not holds_with(cond("num_gte", "s3:max-keys", [{"n": 10}]), {"s3:max-keys": "-10"})
}

test_numeric_not_equals if {
	c := negated(cond("num_eq", "s3:max-keys", [{"n": 10}]))
	holds_with(c, {"s3:max-keys": "11"})
	not holds_with(c, {"s3:max-keys": "10.0"})
}

test_numeric_request_value_forms if {
	c := cond("num_eq", "k:n", [{"n": 1500}])
	holds_with(c, {"k:n": "1.5e3"})
	holds_with(c, {"k:n": " 1500 "})
	not holds_with(c, {"k:n": "0x5dc"})
	not holds_with(c, {"k:n": "many"})
	not holds_with(c, {"k:n": true})
}

test_numeric_not_equals_with_a_non_number_holds if {
	holds_with(negated(cond("num_eq", "k:n", [{"n": 1}])), {"k:n": "many"})
}

# --- Date -----------------------------------------------------------------------------

# 2026-01-01T00:00:00Z
new_year := 1767225600

test_date_operators_with_iso_request_values if {
	holds_with(cond("date_eq", "aws:currenttime", [{"n": new_year}]), {"aws:CurrentTime": "2026-01-01T00:00:00Z"})
	holds_with(cond("date_lt", "aws:currenttime", [{"n": new_year}]), {"aws:CurrentTime": "2025-12-31T23:59:59Z"})
	not holds_with(cond("date_lt", "aws:currenttime", [{"n": new_year}]), {"aws:CurrentTime": "2026-01-01"})
	holds_with(cond("date_lte", "aws:currenttime", [{"n": new_year}]), {"aws:CurrentTime": "2026-01-01"})
	holds_with(cond("date_gt", "aws:currenttime", [{"n": new_year}]), {"aws:CurrentTime": "2026-01-01T00:00:01Z"})
	not holds_with(cond("date_gt", "aws:currenttime", [{"n": new_year}]), {"aws:CurrentTime": "2026-01-01T00:00:00Z"})
	holds_with(cond("date_gte", "aws:currenttime", [{"n": new_year}]), {"aws:CurrentTime": "2026-01-01T00:00:00Z"})
}

test_date_request_value_with_offset if {
	c := cond("date_eq", "aws:currenttime", [{"n": new_year}])
	holds_with(c, {"aws:CurrentTime": "2026-01-01T05:30:00+05:30"})
	holds_with(c, {"aws:CurrentTime": "2025-12-31T16:00:00-08:00"})
	not holds_with(c, {"aws:CurrentTime": "2026-01-01T00:00:00+01:00"})
}

test_date_request_value_in_epoch_seconds if {
	c := cond("date_lt", "aws:epochtime", [{"n": new_year}])
	holds_with(c, {"aws:EpochTime": new_year - 1})
	holds_with(c, {"aws:EpochTime": "1767225599"})
	not holds_with(c, {"aws:EpochTime": "1767225600"})
}

test_date_not_equals if {
	c := negated(cond("date_eq", "aws:currenttime", [{"n": new_year}]))
	holds_with(c, {"aws:CurrentTime": "2026-01-02"})
	not holds_with(c, {"aws:CurrentTime": "2026-01-01T00:00:00Z"})
}

test_date_not_a_date_matches_nothing if {
	not holds_with(cond("date_lt", "aws:currenttime", [{"n": new_year}]), {"aws:CurrentTime": "soon"})
}

# --- Bool and Binary ------------------------------------------------------------------

test_bool if {
	c := cond("bool", "aws:securetransport", [{"b": true}])
	holds_with(c, {"aws:SecureTransport": true})
	holds_with(c, {"aws:SecureTransport": "true"})
	holds_with(c, {"aws:SecureTransport": "TRUE"})
	not holds_with(c, {"aws:SecureTransport": false})
	not holds_with(c, {"aws:SecureTransport": "false"})
	not holds_with(c, {"aws:SecureTransport": "yes"})
}

test_bool_false if {
	c := cond("bool", "aws:multifactorauthpresent", [{"b": false}])
	holds_with(c, {"aws:MultiFactorAuthPresent": "False"})
	not holds_with(c, {"aws:MultiFactorAuthPresent": true})
}

test_binary_equals if {
	c := cond("bin_eq", "k:bin", [lit("QmluYXJ5VmFsdWU=")])
	holds_with(c, {"k:bin": "QmluYXJ5VmFsdWU="})
	not holds_with(c, {"k:bin": "qmluyxj5vmfsdwu="})
}

# --- IP address -----------------------------------------------------------------------

test_ip_address_v4 if {
	c := cond("ip", "aws:sourceip", [{"cidr": "203.0.113.0/24"}, {"cidr": "198.51.100.7/32"}])
	holds_with(c, {"aws:SourceIp": "203.0.113.200"})
	holds_with(c, {"aws:SourceIp": "198.51.100.7"})
	not holds_with(c, {"aws:SourceIp": "198.51.100.8"})
	not holds_with(c, {"aws:SourceIp": "203.0.114.1"})
}

test_ip_address_v6 if {
	c := cond("ip", "aws:sourceip", [{"cidr": "2001:db8::/32"}])
	holds_with(c, {"aws:SourceIp": "2001:db8:1234::1"})
	holds_with(c, {"aws:SourceIp": "2001:DB8::ABCD"})
	not holds_with(c, {"aws:SourceIp": "2001:db9::1"})
}

test_ip_address_families_do_not_mix if {
	not holds_with(cond("ip", "aws:sourceip", [{"cidr": "2001:db8::/32"}]), {"aws:SourceIp": "10.0.0.1"})
	not holds_with(cond("ip", "aws:sourceip", [{"cidr": "10.0.0.0/8"}]), {"aws:SourceIp": "2001:db8::1"})
}

test_ip_address_ipv4_mapped_ipv6_is_ipv4 if {
	c := cond("ip", "aws:sourceip", [{"cidr": "10.0.0.0/8"}])
	holds_with(c, {"aws:SourceIp": "::ffff:10.1.2.3"})
	holds_with(c, {"aws:SourceIp": "::FFFF:a01:203"})
	holds_with(c, {"aws:SourceIp": "0:0:0:0:0:ffff:10.1.2.3"})
	not holds_with(c, {"aws:SourceIp": "::ffff:11.1.2.3"})
	not holds_with(negated(c), {"aws:SourceIp": "::ffff:10.1.2.3"})
}

test_ip_address_forms if {
	conditions.ip_address("::ffff:192.0.2.1") == "192.0.2.1"
	conditions.ip_address("::ffff:c000:201") == "192.0.2.1"
	conditions.ip_address("0000:0:0:0:0:FFFF:ffff:ffff") == "255.255.255.255"
	conditions.ip_address("::ffff:0:1") == "0.0.0.1"
	conditions.ip_address("2001:db8::1") == "2001:db8::1"
	conditions.ip_address("::1") == "::1"
	conditions.ip_address("10.1.2.3") == "10.1.2.3"
}

test_ip_address_not_an_address_matches_nothing if {
	c := cond("ip", "aws:sourceip", [{"cidr": "0.0.0.0/0"}])
	not holds_with(c, {"aws:SourceIp": "localhost"})
	not holds_with(c, {"aws:SourceIp": 10})
}

test_not_ip_address if {
	c := negated(cond("ip", "aws:sourceip", [{"cidr": "10.0.0.0/8"}, {"cidr": "fd00::/8"}]))
	holds_with(c, {"aws:SourceIp": "192.0.2.1"})
	holds_with(c, {"aws:SourceIp": "2001:db8::1"})
	not holds_with(c, {"aws:SourceIp": "10.1.2.3"})
	not holds_with(c, {"aws:SourceIp": "fd12::1"})
}

# --- ARN ------------------------------------------------------------------------------

# ArnLike arn:aws:iam::*:role/app-*, as the loader compiles it.
role_pattern := {"re": `^arn:aws:iam::[^:]*:role/app-(?s:.*)$`}

test_arn_like if {
	c := cond("arn_like", "aws:principalarn", [role_pattern])
	holds_with(c, {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-web"})
	holds_with(c, {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-web/a:b"})
	not holds_with(c, {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/app-web"})
}

test_arn_like_star_stays_within_a_component if {
	# The account component's `*` must not swallow the colon into the resource part.
	c := cond("arn_like", "aws:principalarn", [role_pattern])
	not holds_with(c, {"aws:PrincipalArn": "arn:aws:iam::1:2:role/app-web"})
	service_star := cond("arn_like", "aws:sourcearn", [{"re": `^arn:aws:[^:]*:[^:]*:[^:]*:bucket$`}])
	holds_with(service_star, {"aws:SourceArn": "arn:aws:s3:::bucket"})
	not holds_with(service_star, {"aws:SourceArn": "arn:aws:s3:x:y:z:bucket"})
}

test_arn_not_like if {
	c := negated(cond("arn_like", "aws:principalarn", [role_pattern]))
	holds_with(c, {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/admin"})
	not holds_with(c, {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-1"})
}

# --- Null -----------------------------------------------------------------------------

test_null_true_holds_when_the_key_is_absent if {
	c := cond("null", "aws:tokenissuetime", [true])
	holds_with(c, {})
	holds_with(c, {"aws:TokenIssueTime": []})
	not holds_with(c, {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"})
}

test_null_false_holds_when_the_key_is_present if {
	c := cond("null", "aws:tokenissuetime", [false])
	holds_with(c, {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"})
	not holds_with(c, {})
}

test_null_sees_principal_keys if {
	conditions.holds(cond("null", "aws:username", [false]), {}, env)
	not conditions.holds(cond("null", "aws:username", [true]), {}, env)
}

# --- missing keys, IfExists -----------------------------------------------------------

test_missing_key_fails_positive_operators if {
	every c in [
		cond("str_eq", "k:a", [lit("x")]),
		cond("str_like", "k:a", [{"re": `^(?s:.*)$`}]),
		cond("num_gte", "k:a", [{"n": 0}]),
		cond("date_gt", "k:a", [{"n": 0}]),
		cond("bool", "k:a", [{"b": false}]),
		cond("ip", "k:a", [{"cidr": "0.0.0.0/0"}]),
		cond("arn_like", "k:a", [{"re": `^(?s:.*)$`}]),
	] {
		not holds_with(c, {})
	}
}

test_missing_key_satisfies_negated_operators if {
	every c in [
		cond("str_eq", "k:a", [lit("x")]),
		cond("str_eq_ic", "k:a", [lit("x")]),
		cond("str_like", "k:a", [{"re": `^(?s:.*)$`}]),
		cond("num_eq", "k:a", [{"n": 0}]),
		cond("date_eq", "k:a", [{"n": 0}]),
		cond("ip", "k:a", [{"cidr": "0.0.0.0/0"}]),
		cond("arn_like", "k:a", [{"re": `^(?s:.*)$`}]),
	] {
		holds_with(negated(c), {})
	}
}

test_if_exists_holds_when_the_key_is_absent if {
	c := if_exists(cond("str_eq", "ec2:instancetype", [lit("t3.micro")]))
	holds_with(c, {})
	holds_with(c, {"ec2:InstanceType": "t3.micro"})
	not holds_with(c, {"ec2:InstanceType": "m5.large"})
}

test_negated_if_exists if {
	c := if_exists(negated(cond("str_eq", "ec2:instancetype", [lit("t3.micro")])))
	holds_with(c, {})
	holds_with(c, {"ec2:InstanceType": "m5.large"})
	not holds_with(c, {"ec2:InstanceType": "t3.micro"})
}

# --- several values -------------------------------------------------------------------

test_several_policy_values_are_or if {
	c := cond("str_eq", "aws:requestedregion", [lit("eu-west-1"), lit("eu-central-1")])
	holds_with(c, {"aws:RequestedRegion": "eu-central-1"})
	not holds_with(c, {"aws:RequestedRegion": "us-east-1"})
}

test_negated_several_policy_values_are_nor if {
	c := negated(cond("str_eq", "aws:requestedregion", [lit("eu-west-1"), lit("eu-central-1")]))
	holds_with(c, {"aws:RequestedRegion": "us-east-1"})
	not holds_with(c, {"aws:RequestedRegion": "eu-central-1"})
}

test_single_valued_operator_on_a_list_matches_any_element if {
	c := cond("str_eq", "aws:tagkeys", [lit("env")])
	holds_with(c, {"aws:TagKeys": ["owner", "env"]})
	holds_with(negated(c), {"aws:TagKeys": ["owner"]})
	not holds_with(negated(c), {"aws:TagKeys": ["owner", "env"]})
}

# --- ForAllValues, ForAnyValue --------------------------------------------------------

allowed_tag_keys := cond("str_eq", "aws:tagkeys", [lit("env"), lit("owner")])

test_for_all_values if {
	c := for_all(allowed_tag_keys)
	holds_with(c, {"aws:TagKeys": ["env"]})
	holds_with(c, {"aws:TagKeys": ["env", "owner"]})
	holds_with(c, {"aws:TagKeys": "owner"})
	not holds_with(c, {"aws:TagKeys": ["env", "cost"]})
}

test_for_all_values_holds_for_a_missing_or_empty_key if {
	holds_with(for_all(allowed_tag_keys), {})
	holds_with(for_all(allowed_tag_keys), {"aws:TagKeys": []})
}

test_for_any_value if {
	c := for_any(allowed_tag_keys)
	holds_with(c, {"aws:TagKeys": ["cost", "owner"]})
	not holds_with(c, {"aws:TagKeys": ["cost", "team"]})
}

test_for_any_value_fails_for_a_missing_or_empty_key if {
	not holds_with(for_any(allowed_tag_keys), {})
	not holds_with(for_any(allowed_tag_keys), {"aws:TagKeys": []})
}

test_for_all_values_negated if {
	# No requested tag key may be one of the reserved ones.
	c := for_all(negated(allowed_tag_keys))
	holds_with(c, {"aws:TagKeys": ["cost", "team"]})
	not holds_with(c, {"aws:TagKeys": ["cost", "env"]})
	holds_with(c, {})
}

test_for_any_value_negated if {
	# At least one requested tag key is not one of the listed ones.
	c := for_any(negated(allowed_tag_keys))
	holds_with(c, {"aws:TagKeys": ["env", "cost"]})
	not holds_with(c, {"aws:TagKeys": ["env", "owner"]})
	not holds_with(c, {})
}

test_for_any_value_if_exists_holds_for_a_missing_key if {
	holds_with(if_exists(for_any(allowed_tag_keys)), {})
}

test_for_all_values_string_like if {
	c := for_all(cond("str_like", "aws:tagkeys", [{"p": "app-"}]))
	holds_with(c, {"aws:TagKeys": ["app-1", "app-2"]})
	not holds_with(c, {"aws:TagKeys": ["app-1", "db-1"]})
}

# --- keys and policy variables --------------------------------------------------------

test_condition_keys_are_case_insensitive if {
	c := cond("str_eq", "aws:principaltag/team", [lit("orders")])
	holds_with(c, {"AWS:PRINCIPALTAG/TEAM": "orders"})
	holds_with(c, {"aws:principaltag/team": "orders"})
}

test_condition_keys_fall_back_to_the_principal if {
	conditions.holds(cond("str_eq", "aws:principaltag/team", [lit("orders")]), {}, env)
	conditions.holds(cond("str_eq", "aws:principalaccount", [lit("111122223333")]), {}, env)
}

test_variable_in_string_equals if {
	c := cond("str_eq", "s3:prefix", [{"tpl": [text("home/"), var("aws:username")]}])
	holds_with(c, {"s3:prefix": "home/alice"})
	not holds_with(c, {"s3:prefix": "home/bob"})
}

test_variable_in_string_equals_ignore_case if {
	c := cond("str_eq_ic", "k:owner", [{"tpl": [var("aws:userid")]}])
	holds_with(c, {"k:owner": "aidaexample"})
}

test_variable_in_string_like if {
	c := cond("str_like", "s3:prefix", [{"tpl": [text("home/"), var("aws:username"), {"lit": "/*", "re": `/(?s:.*)`}]}])
	holds_with(c, {"s3:prefix": "home/alice/docs"})
	not holds_with(c, {"s3:prefix": "home/bob/docs"})
}

test_variable_in_arn_like if {
	pattern := {"tpl": [text("arn:aws:iam::"), var("aws:principalaccount"), {"lit": ":role/*", "re": `:role/(?s:.*)`}]}
	c := cond("arn_like", "aws:sourcearn", [pattern])
	holds_with(c, {"aws:SourceArn": "arn:aws:iam::111122223333:role/app"})
	not holds_with(c, {"aws:SourceArn": "arn:aws:iam::444455556666:role/app"})
}

test_variable_with_default if {
	c := cond("str_eq", "k:team", [{"tpl": [{"var": "aws:principaltag/owner", "default": "nobody"}]}])
	holds_with(c, {"k:team": "nobody"})
}

test_unresolvable_variable_matches_nothing if {
	c := cond("str_eq", "k:team", [{"tpl": [var("aws:principaltag/owner")]}])
	not holds_with(c, {"k:team": ""})
	not holds_with(c, {"k:team": "${aws:principaltag/owner}"})
	not holds_with(cond("str_like", "k:team", c.values), {"k:team": ""})
}

test_unresolvable_variable_satisfies_the_negated_form if {
	# The variable has no value, so nothing equals it.
	c := negated(cond("str_eq", "k:team", [{"tpl": [var("aws:principaltag/owner")]}]))
	holds_with(c, {"k:team": "orders"})
}

test_requested_region_variable if {
	c := cond("str_eq", "k:region", [{"tpl": [var("aws:requestedregion")]}])
	holds_with(c, {"k:region": "eu-west-1"})
	not conditions.holds(c, {"context": {"k:region": ""}}, {"principal": {}, "region": ""})
}

# --- patterns that get no answer -------------------------------------------------------

test_like_with_a_pattern_that_gets_no_answer_is_undecided if {
	c := cond("str_like", "s3:prefix", [{"re": "("}])
	conditions.undecided(c, {"context": {"s3:prefix": "home/"}}, env)
	not conditions.undecided(cond("str_like", "s3:prefix", [{"re": "^h"}]), {"context": {"s3:prefix": "home/"}}, env)
}
