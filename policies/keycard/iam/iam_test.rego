package keycard.iam_test

import data.keycard.iam

env := {
	"principal": {
		"arn": "arn:aws:iam::111122223333:user/alice",
		"accountId": "111122223333",
		"userId": "AIDAEXAMPLE",
		"username": "alice",
		"tags": {"team": "orders"},
	},
	"region": "eu-west-1",
}

# --- builders for compiled statements and policies ---------------------------------------

lit(s) := {"s": s}

prefix(s) := {"p": s}

re(s) := {"re": s}

any_pattern := {"any": true}

text(s) := {"lit": s, "re": s}

var(key) := {"var": key}

star := {"lit": "*", "re": `(?s:.*)`}

# statement builds a compiled statement named `label`; `fields` carries action|not_action,
# resource|not_resource and condition.
statement(label, effect, fields) := object.union(
	{"ref": {"document": label, "statementIndex": 0, "effect": effect}, "label": label, "effect": effect},
	fields,
)

allow(label, fields) := statement(label, "Allow", fields)

deny(label, fields) := statement(label, "Deny", fields)

on(actions, resources) := {"action": actions, "resource": resources}

# everywhere files statements under `any`, so every request consults all of them.
everywhere(first, n) := {"action": {}, "service": {}, "any": numbers.range(first, (first + n) - 1)} if n > 0

everywhere(_, 0) := {"action": {}, "service": {}, "any": []}

identity_only(statements) := {
	"statements": statements,
	"index": {"identity": everywhere(0, count(statements)), "boundary": everywhere(0, 0)},
	"has_boundary": false,
}

with_boundary(identity, boundary) := {
	"statements": array.concat(identity, boundary),
	"index": {
		"identity": everywhere(0, count(identity)),
		"boundary": everywhere(count(identity), count(boundary)),
	},
	"has_boundary": true,
}

request(action, resource) := {"action": action, "resource": resource}

# decide evaluates req for the test principal against a compiled policy.
decide(policy, req) := r if {
	# regal ignore:with-outside-test-context
	r := iam.evaluate(req, env) with data.keycard.policy as policy
}

read(key) := request("s3:GetObject", concat("", ["arn:aws:s3:::orders/", key]))

read_orders := allow("read", on([lit("s3:getobject")], [prefix("arn:aws:s3:::orders/")]))

# --- Allow, Deny, implicit deny -------------------------------------------------------

test_allow if {
	r := decide(identity_only([read_orders]), read("a.json"))
	r.allow
	not r.explicit_deny
	r.boundary_allows
	r.reason == "allowed by read"
	r.matched == [{"document": "read", "statementIndex": 0, "effect": "Allow"}]
}

test_implicit_deny if {
	r := decide(identity_only([read_orders]), request("s3:PutObject", "arn:aws:s3:::orders/a.json"))
	not r.allow
	not r.explicit_deny
	r.reason == "implicitly denied: no statement allows s3:PutObject on arn:aws:s3:::orders/a.json"
	r.matched == []
}

test_no_statements_is_implicit_deny if {
	not decide(identity_only([]), read("a.json")).allow
}

test_explicit_deny_beats_allow if {
	secret := deny("secret", on([lit("s3:getobject")], [prefix("arn:aws:s3:::orders/secret/")]))
	p := identity_only([read_orders, secret])
	r := decide(p, read("secret/x"))
	not r.allow
	r.explicit_deny
	r.reason == "explicitly denied by secret"
	count(r.matched) == 2
	decide(p, read("public/x")).allow
}

test_deny_alone_is_still_a_deny if {
	r := decide(identity_only([deny("d", on([any_pattern], [any_pattern]))]), read("a"))
	not r.allow
	r.explicit_deny
}

test_every_matching_statement_is_named if {
	other := allow("other", on([prefix("s3:get")], [any_pattern]))
	decide(identity_only([read_orders, other]), read("a")).reason == "allowed by read, other"
	block1 := deny("block1", on([any_pattern], [lit("arn:aws:s3:::orders/x")]))
	block2 := deny("block2", on([prefix("s3:")], [lit("arn:aws:s3:::orders/x")]))
	r := decide(identity_only([read_orders, block1, block2]), read("x"))
	r.reason == "explicitly denied by block1, block2"
}

# --- Action and NotAction -------------------------------------------------------------

test_actions_are_case_insensitive if {
	decide(identity_only([read_orders]), request("S3:GETOBJECT", "arn:aws:s3:::orders/a")).allow
	decide(identity_only([read_orders]), request("s3:getobject", "arn:aws:s3:::orders/a")).allow
}

test_action_wildcards if {
	p := identity_only([allow("w", on([prefix("s3:get"), re(`^s3:(?s:.)ut(?s:.*)$`)], [any_pattern]))])
	decide(p, request("s3:GetObject", "*")).allow
	decide(p, request("s3:GetBucketPolicy", "*")).allow
	decide(p, request("s3:PutObject", "*")).allow
	not decide(p, request("s3:DeleteObject", "*")).allow
	not decide(p, request("ec2:GetConsole", "*")).allow
}

test_action_star_matches_every_action if {
	p := identity_only([allow("admin", on([any_pattern], [any_pattern]))])
	decide(p, request("iam:CreateUser", "arn:aws:iam::111122223333:user/bob")).allow
	decide(p, request("s3:GetObject", "arn:aws:s3:::orders/a")).allow
}

test_not_action if {
	p := identity_only([allow("all-but-iam", {"not_action": [prefix("iam:")], "resource": [any_pattern]})])
	decide(p, request("s3:GetObject", "arn:aws:s3:::orders/a")).allow
	decide(p, request("ec2:RunInstances", "*")).allow
	not decide(p, request("iam:CreateUser", "*")).allow
}

test_deny_with_not_action if {
	guard := deny("only-s3", {"not_action": [prefix("s3:")], "resource": [any_pattern]})
	p := identity_only([allow("admin", on([any_pattern], [any_pattern])), guard])
	decide(p, request("s3:GetObject", "arn:aws:s3:::orders/a")).allow
	r := decide(p, request("ec2:RunInstances", "*"))
	not r.allow
	r.reason == "explicitly denied by only-s3"
}

# --- Resource and NotResource ---------------------------------------------------------

test_resource_is_case_sensitive if {
	not decide(identity_only([read_orders]), request("s3:GetObject", "arn:aws:s3:::Orders/a")).allow
}

test_resource_exact if {
	p := identity_only([allow("one", on([lit("s3:getobject")], [lit("arn:aws:s3:::orders/a.json")]))])
	decide(p, read("a.json")).allow
	not decide(p, read("a.json.bak")).allow
}

test_resource_wildcards if {
	# arn:aws:s3:::orders/*/report-?.csv
	pattern := re(`^arn:aws:s3:::orders/(?s:.*)/report-(?s:.)\.csv$`)
	p := identity_only([allow("reports", on([lit("s3:getobject")], [pattern]))])
	decide(p, read("2026/01/report-1.csv")).allow
	not decide(p, read("2026/report-12.csv")).allow
	not decide(p, read("report-1.csv")).allow
}

test_resource_star_spans_line_breaks if {
	p := identity_only([deny("d", on([lit("s3:getobject")], [re(`^arn:aws:s3:::orders/secret/(?s:.*)$`)]))])
	decide(p, read("secret/a\nb")).explicit_deny
}

test_resource_star_matches_the_star_resource if {
	p := identity_only([allow("list", on([lit("s3:listallmybuckets")], [any_pattern]))])
	decide(p, request("s3:ListAllMyBuckets", "*")).allow
	not decide(identity_only([read_orders]), request("s3:GetObject", "*")).allow
}

test_not_resource if {
	not_secret := {"action": [prefix("s3:")], "not_resource": [prefix("arn:aws:s3:::orders/secret/")]}
	p := identity_only([allow("not-secret", not_secret)])
	decide(p, read("public/a")).allow
	not decide(p, read("secret/a")).allow
}

test_deny_with_not_resource if {
	outside := {"action": [prefix("s3:")], "not_resource": [lit("arn:aws:s3:::orders"), prefix("arn:aws:s3:::orders/")]}
	fence := deny("fence", outside)
	p := identity_only([allow("s3", on([prefix("s3:")], [any_pattern])), fence])
	decide(p, read("a")).allow
	decide(p, request("s3:ListBucket", "arn:aws:s3:::orders")).allow
	r := decide(p, request("s3:GetObject", "arn:aws:s3:::payroll/a"))
	r.explicit_deny
	r.reason == "explicitly denied by fence"
}

# --- policy variables in Resource ------------------------------------------------------

home(parts) := identity_only([allow("home", on([lit("s3:getobject")], [{"tpl": parts}]))])

test_resource_variable_username if {
	p := home([text("arn:aws:s3:::orders/home/"), var("aws:username"), star])
	decide(p, read("home/alice/a.txt")).allow
	not decide(p, read("home/bob/a.txt")).allow
}

test_resource_variable_userid if {
	p := home([text("arn:aws:s3:::orders/"), var("aws:userid"), star])
	decide(p, read("AIDAEXAMPLE/a")).allow
	not decide(p, read("aidaexample/a")).allow
}

test_resource_variable_principal_tag if {
	p := home([text("arn:aws:s3:::orders/teams/"), var("aws:principaltag/team"), star])
	decide(p, read("teams/orders/a")).allow
	not decide(p, read("teams/payroll/a")).allow
}

test_resource_variable_account_and_region if {
	parts := [text("arn:aws:sqs:"), var("aws:requestedregion"), text(":"), var("aws:principalaccount"), text(":jobs")]
	p := identity_only([allow("queue", on([prefix("sqs:")], [{"tpl": parts}]))])
	decide(p, request("sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:jobs")).allow
	not decide(p, request("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:jobs")).allow
	not decide(p, request("sqs:SendMessage", "arn:aws:sqs:eu-west-1:444455556666:jobs")).allow
}

test_resource_variable_from_the_request_context if {
	p := home([text("arn:aws:s3:::orders/"), var("s3:prefix")])
	r := object.union(read("reports"), {"context": {"s3:prefix": "reports"}})
	decide(p, r).allow
}

test_resource_variable_value_is_literal if {
	# A username with regular-expression characters matches only itself.
	p := home([text("arn:aws:s3:::orders/"), var("aws:username")])
	dotted := object.union(env, {"principal": {"username": "a.b"}})
	iam.evaluate(read("a.b"), dotted).allow with data.keycard.policy as p
	not iam.evaluate(read("axb"), dotted).allow with data.keycard.policy as p
}

test_resource_variable_default if {
	p := home([text("arn:aws:s3:::orders/teams/"), {"var": "aws:principaltag/unit", "default": "shared"}, star])
	decide(p, read("teams/shared/a")).allow
	not decide(p, read("teams/orders/a")).allow
}

test_unresolvable_resource_variable_matches_nothing if {
	p := home([text("arn:aws:s3:::orders/home/"), var("aws:username"), star])
	anonymous := {"principal": {}, "region": ""}
	not iam.evaluate(read("home//a"), anonymous).allow with data.keycard.policy as p
	not iam.evaluate(read("home/${aws:username}/a"), anonymous).allow with data.keycard.policy as p
}

test_unresolvable_region_variable_matches_nothing if {
	parts := [text("arn:aws:s3:::orders-"), var("aws:requestedregion")]
	p := identity_only([allow("regional", on([lit("s3:getobject")], [{"tpl": parts}]))])
	req := request("s3:GetObject", "arn:aws:s3:::orders-")
	not iam.evaluate(req, {"principal": {}, "region": ""}).allow with data.keycard.policy as p
}

test_unresolvable_variable_in_allow_not_resource_does_not_allow if {
	home_pattern := {"tpl": [text("arn:aws:s3:::orders/"), var("aws:username")]}
	p := identity_only([allow("all-but-home", {"action": [lit("s3:getobject")], "not_resource": [home_pattern]})])
	not iam.evaluate(read("alice"), {"principal": {}, "region": ""}).allow with data.keycard.policy as p
}

# --- conditions on statements ---------------------------------------------------------

cond(op, key, values) := {"op": op, "negated": false, "if_exists": false, "set": "", "key": key, "values": values}

test_statement_conditions_are_and if {
	fields := object.union(on([lit("s3:getobject")], [any_pattern]), {"condition": [
		cond("ip", "aws:sourceip", [{"cidr": "10.0.0.0/8"}]),
		cond("bool", "aws:securetransport", [{"b": true}]),
	]})
	p := identity_only([allow("guarded", fields)])
	decide(p, object.union(read("a"), {"context": {"aws:SourceIp": "10.1.1.1", "aws:SecureTransport": true}})).allow
	not decide(p, object.union(read("a"), {"context": {"aws:SourceIp": "10.1.1.1", "aws:SecureTransport": false}})).allow
	not decide(p, object.union(read("a"), {"context": {"aws:SourceIp": "192.0.2.1", "aws:SecureTransport": true}})).allow
	not decide(p, read("a")).allow
}

test_deny_condition_not_met_is_no_deny if {
	without_mfa := [cond("bool", "aws:multifactorauthpresent", [{"b": false}])]
	no_mfa := deny("no-mfa", object.union(on([any_pattern], [any_pattern]), {"condition": without_mfa}))
	p := identity_only([read_orders, no_mfa])
	decide(p, object.union(read("a"), {"context": {"aws:MultiFactorAuthPresent": true}})).allow
	decide(p, object.union(read("a"), {"context": {"aws:MultiFactorAuthPresent": false}})).explicit_deny
}

# --- permissions boundary -------------------------------------------------------------

test_boundary_allows_too if {
	r := decide(with_boundary([read_orders], [allow("cap", on([prefix("s3:")], [any_pattern]))]), read("a"))
	r.allow
	r.reason == "allowed by read"
	r.matched == [
		{"document": "read", "statementIndex": 0, "effect": "Allow"},
		{"document": "cap", "statementIndex": 0, "effect": "Allow"},
	]
}

test_boundary_missing_the_action_denies if {
	r := decide(with_boundary([read_orders], [allow("cap", on([prefix("ec2:")], [any_pattern]))]), read("a"))
	not r.allow
	not r.explicit_deny
	not r.boundary_allows
	r.reason == "denied by the permissions boundary: no boundary statement allows s3:GetObject on arn:aws:s3:::orders/a"
}

test_boundary_alone_grants_nothing if {
	r := decide(with_boundary([], [allow("cap", on([any_pattern], [any_pattern]))]), read("a"))
	not r.allow
	r.boundary_allows
	r.reason == "implicitly denied: no statement allows s3:GetObject on arn:aws:s3:::orders/a"
}

test_neither_identity_nor_boundary_allows if {
	r := decide(with_boundary([], [allow("cap", on([prefix("ec2:")], [any_pattern]))]), read("a"))
	not r.allow
	r.reason == concat("", [
		"implicitly denied: no statement allows s3:GetObject on arn:aws:s3:::orders/a",
		", and the permissions boundary does not allow it either",
	])
}

test_boundary_deny_is_an_explicit_deny if {
	boundary := [
		allow("cap", on([any_pattern], [any_pattern])),
		deny("no-secret", on([any_pattern], [prefix("arn:aws:s3:::orders/secret/")])),
	]
	p := with_boundary([read_orders], boundary)
	r := decide(p, read("secret/a"))
	not r.allow
	r.explicit_deny
	r.reason == "explicitly denied by no-secret"
	decide(p, read("public/a")).allow
}

test_empty_boundary_denies_everything if {
	r := decide(with_boundary([read_orders], []), read("a"))
	not r.allow
	not r.boundary_allows
}

test_boundary_statements_never_grant if {
	# A boundary statement is not an identity statement, even when it is the only match.
	p := with_boundary([allow("ec2", on([prefix("ec2:")], [any_pattern]))], [read_orders])
	not decide(p, read("a")).allow
}

# --- several documents ----------------------------------------------------------------

test_several_documents_combine if {
	reader := allow("reader.json statement 0", on([lit("s3:getobject")], [any_pattern]))
	writer := allow("writer.json statement 0", on([lit("s3:putobject")], [any_pattern]))
	guard := deny("guard.json statement 0", on([lit("s3:putobject")], [prefix("arn:aws:s3:::orders/locked/")]))
	p := identity_only([reader, writer, guard])
	decide(p, read("a")).allow
	decide(p, request("s3:PutObject", "arn:aws:s3:::orders/a")).allow
	r := decide(p, request("s3:PutObject", "arn:aws:s3:::orders/locked/a"))
	r.reason == "explicitly denied by guard.json statement 0"
	not decide(p, request("s3:DeleteObject", "arn:aws:s3:::orders/a")).allow
}

# --- the index ------------------------------------------------------------------------

indexed := {
	"statements": [
		allow("exact", on([lit("s3:getobject")], [any_pattern])),
		allow("service", on([prefix("s3:put")], [any_pattern])),
		allow("anything", {"not_action": [prefix("iam:")], "resource": [prefix("arn:aws:sqs:")]}),
		allow("misfiled", on([any_pattern], [any_pattern])),
	],
	"index": {
		"identity": {"action": {"s3:getobject": [0]}, "service": {"s3": [1], "ec2": [3]}, "any": [2]},
		"boundary": {"action": {}, "service": {}, "any": []},
	},
	"has_boundary": false,
}

test_index_exact_action if {
	r := decide(indexed, read("a"))
	r.allow
	r.reason == "allowed by exact"
}

test_index_service if {
	decide(indexed, request("s3:PutObject", "arn:aws:s3:::orders/a")).reason == "allowed by service"
}

test_index_any if {
	decide(indexed, request("sns:Publish", "arn:aws:sqs:eu-west-1:111122223333:q")).reason == "allowed by anything"
}

test_index_other_services_are_not_consulted if {
	# "misfiled" would allow everything, but it is filed under ec2 only.
	r := decide(indexed, request("s3:DeleteObject", "arn:aws:s3:::orders/a"))
	not r.allow
	r.matched == []
	decide(indexed, request("ec2:RunInstances", "*")).reason == "allowed by misfiled"
}

test_index_without_boundary_entries if {
	p := {
		"statements": [read_orders],
		"index": {"identity": {"action": {"s3:getobject": [0]}, "service": {}, "any": []}},
		"has_boundary": false,
	}
	decide(p, read("a")).allow
}

test_service_of if {
	iam.service_of("s3:getobject") == "s3"
	iam.service_of("execute-api:invoke") == "execute-api"
	iam.service_of("nocolon") == "nocolon"
	iam.service_of(":x") == ":x"
}

test_resolved_variable_in_allow_not_resource_allows_outside if {
	home_pattern := {"tpl": [text("arn:aws:s3:::orders/"), var("aws:username")]}
	p := identity_only([allow("all-but-home", {"action": [lit("s3:getobject")], "not_resource": [home_pattern]})])
	iam.evaluate(read("bob"), {"principal": {"username": "alice"}, "region": ""}).allow with data.keycard.policy as p
	not iam.evaluate(read("alice"), {"principal": {"username": "alice"}, "region": ""}).allow with data.keycard.policy as p
}

# --- patterns that get no answer -------------------------------------------------------

# `(` does not compile, as a pattern too large for RE2 does not: regex.match has no answer.
broken := re("(")

test_deny_with_a_pattern_that_gets_no_answer_applies if {
	p := identity_only([
		allow("all", on([any_pattern], [any_pattern])),
		deny("broken", on([any_pattern], [broken])),
	])
	r := decide(p, read("a.json"))
	not r.allow
	r.explicit_deny
}

test_deny_with_a_template_that_gets_no_answer_applies if {
	p := identity_only([
		allow("all", on([any_pattern], [any_pattern])),
		deny("broken", on([any_pattern], [{"tpl": [{"lit": "(", "re": "("}, var("aws:username")]}])),
	])
	not decide(p, read("a.json")).allow
}

test_exclusion_that_gets_no_answer_does_not_allow if {
	p := identity_only([allow("all-but", {"action": [any_pattern], "not_resource": [broken]})])
	not decide(p, read("a.json")).allow
}

test_deny_on_a_partly_known_resource_whose_pattern_gets_no_answer_applies if {
	p := identity_only([
		allow("all", on([any_pattern], [any_pattern])),
		deny("exact", on([any_pattern], [lit("arn:aws:s3:::orders/a.json")])),
	])
	req := object.union(read("*"), {"rp": "arn:aws:s3:::\ue000", "rre": "(", "up": ["key"]})
	not decide(p, req).allow
}
