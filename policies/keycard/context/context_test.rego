package keycard.context_test

import data.keycard.context

env := {
	"principal": {
		"arn": "arn:aws:iam::111122223333:user/alice",
		"accountId": "111122223333",
		"userId": "AIDAEXAMPLE",
		"username": "alice",
		"type": "User",
		"tags": {"Team": "orders", "cost-center": "42"},
	},
	"region": "eu-west-1",
}

no_env := {"principal": {}, "region": ""}

# --- value ----------------------------------------------------------------------------

test_value_by_lower_case_key if {
	context.value({"context": {"s3:prefix": "home/"}}, no_env, "s3:prefix") == "home/"
}

test_value_keys_are_case_insensitive if {
	context.value({"context": {"S3:Prefix": "home/"}}, no_env, "s3:prefix") == "home/"
	context.value({"context": {"aws:SourceIp": "10.0.0.1"}}, no_env, "aws:sourceip") == "10.0.0.1"
}

test_value_absent_key_is_undefined if {
	not context.value({"context": {"s3:prefix": "home/"}}, no_env, "s3:delimiter")
	not context.value({}, no_env, "s3:prefix")
}

test_value_from_the_principal if {
	context.value({}, env, "aws:principalarn") == "arn:aws:iam::111122223333:user/alice"
	context.value({}, env, "aws:principalaccount") == "111122223333"
	context.value({}, env, "aws:userid") == "AIDAEXAMPLE"
	context.value({}, env, "aws:username") == "alice"
	context.value({}, env, "aws:principaltype") == "User"
}

test_value_principal_tags_are_case_insensitive if {
	context.value({}, env, "aws:principaltag/team") == "orders"
	context.value({}, env, "aws:principaltag/cost-center") == "42"
	not context.value({}, env, "aws:principaltag/owner")
}

test_value_requested_region if {
	context.value({}, env, "aws:requestedregion") == "eu-west-1"
}

test_value_without_region_is_absent if {
	not context.value({}, no_env, "aws:requestedregion")
}

test_value_absent_principal_fields if {
	not context.value({}, no_env, "aws:username")
	not context.value({}, no_env, "aws:principaltag/team")
}

test_value_request_context_wins_over_the_principal if {
	context.value({"context": {"aws:username": "bob"}}, env, "aws:username") == "bob"
	context.value({"context": {"aws:RequestedRegion": "us-east-1"}}, env, "aws:requestedregion") == "us-east-1"
}

# --- present and values ---------------------------------------------------------------

test_present if {
	context.present({"context": {"k:a": "x"}}, no_env, "k:a")
	context.present({"context": {"k:a": ""}}, no_env, "k:a")
	context.present({"context": {"k:a": false}}, no_env, "k:a")
	context.present({"context": {"k:a": ["x"]}}, no_env, "k:a")
}

test_missing_or_empty_list_is_not_present if {
	not context.present({"context": {}}, no_env, "k:a")
	not context.present({"context": {"k:a": []}}, no_env, "k:a")
}

test_values_wraps_a_single_value if {
	context.values({"context": {"k:a": "x"}}, no_env, "k:a") == ["x"]
	context.values({"context": {"k:a": ["x", "y"]}}, no_env, "k:a") == ["x", "y"]
	context.values({}, env, "aws:username") == ["alice"]
}

# --- as_string ------------------------------------------------------------------------

test_as_string if {
	context.as_string("abc") == "abc"
	context.as_string(true) == "true"
	context.as_string(false) == "false"
	context.as_string(42) == "42"
	context.as_string(1.5) == "1.5"
	not context.as_string({"a": 1})
	not context.as_string(null)
}

# --- templates ------------------------------------------------------------------------

home := [{"lit": "home/", "re": "home/"}, {"var": "aws:username"}, {"lit": "/*", "re": `/(?s:.*)`}]

test_resolve_string_fills_variables if {
	context.resolve_string(home, {}, env) == "home/alice/*"
}

test_resolve_string_with_default if {
	parts := [{"lit": "team-", "re": "team-"}, {"var": "aws:principaltag/team", "default": "none"}]
	context.resolve_string(parts, {}, env) == "team-orders"
	context.resolve_string(parts, {}, no_env) == "team-none"
}

test_resolve_string_without_value_is_undefined if {
	not context.resolve_string(home, {}, no_env)
}

test_resolve_string_multivalued_variable_uses_default_or_nothing if {
	req := {"context": {"k:list": ["a", "b"]}}
	not context.resolve_string([{"var": "k:list"}], req, no_env)
	context.resolve_string([{"var": "k:list", "default": "d"}], req, no_env) == "d"
}

test_resolve_string_renders_scalars if {
	req := {"context": {"k:n": 7, "k:b": true}}
	context.resolve_string([{"var": "k:n"}, {"lit": "-", "re": "-"}, {"var": "k:b"}], req, no_env) == "7-true"
}

test_resolve_regex_anchors_and_keeps_wildcards if {
	re := context.resolve_regex(home, {}, env)
	re == `^home/alice/(?s:.*)$`
	regex.match(re, "home/alice/a/b.txt")
	not regex.match(re, "home/bob/a.txt")
}

test_resolve_regex_variable_values_match_literally if {
	req := {"context": {"k:name": "a.b*(c)"}}
	re := context.resolve_regex([{"var": "k:name"}], req, no_env)
	regex.match(re, "a.b*(c)")
	not regex.match(re, "axbbbbc")
}

test_resolve_regex_without_value_is_undefined if {
	not context.resolve_regex(home, {}, no_env)
}

test_escape_regex if {
	context.escape_regex(`a.b+c*d?e(f)g|h[i]j{k}l^m$n\o`) == `a\.b\+c\*d\?e\(f\)g\|h\[i\]j\{k\}l\^m\$n\\o`
	context.escape_regex("plain-text_/:") == "plain-text_/:"
}

# --- keys a mapping marks unknown ------------------------------------------------------

test_unknown_listed_key if {
	context.unknown({"uk": {"kms:grantoperations": true}}, no_env, "kms:grantoperations", "")
	not context.unknown({"uk": {"kms:grantoperations": true}}, no_env, "kms:granteeprincipal", "")
}

test_unknown_family_covers_every_key_with_its_prefix if {
	req := {"uk": {"kms:encryptioncontext:*": true}}
	context.unknown(req, no_env, "kms:encryptioncontext:team", "")
	context.unknown(req, no_env, "kms:encryptioncontext:", "")
	not context.unknown(req, no_env, "kms:encryptioncontextkeys", "")
}

test_unknown_family_yields_to_a_given_value if {
	req := {"uk": {"kms:encryptioncontext:*": true}, "context": {"kms:EncryptionContext:team": "a"}}
	not context.unknown(req, no_env, "kms:encryptioncontext:team", "")
	context.unknown(req, no_env, "kms:encryptioncontext:other", "")
}
