package keycard.authz_test

import data.keycard.authz

# --- a compiled policy: read and write orders, never the locked folder ---------------------

any_pattern := {"any": true}

statement(label, effect, fields) := object.union(
	{"ref": {"document": "orders.json", "statementIndex": 0, "effect": effect}, "label": label, "effect": effect},
	fields,
)

orders := {
	"statements": [
		statement("read", "Allow", {"action": [{"s": "s3:getobject"}], "resource": [{"p": "arn:aws:s3:::orders/"}]}),
		statement("write", "Allow", {"action": [{"p": "s3:put"}], "resource": [{"p": "arn:aws:s3:::orders/"}]}),
		statement("locked", "Deny", {"action": [any_pattern], "resource": [{"p": "arn:aws:s3:::orders/locked/"}]}),
	],
	"index": {
		"identity": {"action": {"s3:getobject": [0]}, "service": {"s3": [1]}, "any": [2]},
		"boundary": {"action": {}, "service": {}, "any": []},
	},
	"has_boundary": false,
}

# The same identity statements, capped by a boundary that allows reads only.
cap := statement("cap", "Allow", {"action": [{"p": "s3:get"}], "resource": [any_pattern]})

bounded := {
	"statements": array.concat(orders.statements, [cap]),
	"index": {
		"identity": orders.index.identity,
		"boundary": {"action": {}, "service": {"s3": [3]}, "any": []},
	},
	"has_boundary": true,
}

release := {"arn": "arn:aws:iam::111122223333:role/release", "accountId": "111122223333"}

developer := {"arn": "arn:aws:iam::111122223333:role/developer", "accountId": "111122223333"}

request(action, key) := {"action": action, "resource": concat("", ["arn:aws:s3:::orders/", key])}

with_context(req, ctx) := object.union(req, {"context": ctx})

# --- the decision ---------------------------------------------------------------------

test_allowed_when_every_request_is if {
	d := authz.decision with data.keycard.policy as orders
		with input as {"principal": developer, "requests": [request("s3:GetObject", "a"), request("s3:PutObject", "b")]}
	d.allow
	[r.allow | some r in d.requests] == [true, true]
	d.requests[0] == {
		"action": "s3:GetObject",
		"resource": "arn:aws:s3:::orders/a",
		"allow": true,
		"reason": "allowed by read",
		"explicitDeny": false,
		"matched": [{"document": "orders.json", "statementIndex": 0, "effect": "Allow"}],
		"unknown": [],
		"conditionFailures": [],
		"customDenies": [],
		"customAllows": [],
	}
}

# The built-in library (no custom rules) answers an allowed request with the verdict and the
# positions of the matched statements; the loader builds the rest.
test_builtin_decision_gives_an_allow_as_positions if {
	d := authz.decision with data.keycard.policy as object.union(orders, {"has_custom": false})
		with input as {"principal": developer, "requests": [request("s3:GetObject", "a"), request("s3:PutObject", "b")]}
	d.allow
	d.requests == [{"allow": true, "m": [0]}, {"allow": true, "m": [1]}]
}

# A request the built-in library does not allow gets its whole explanation, without the echo
# and the empty custom-rule lists, which the loader adds.
test_builtin_decision_explains_a_denial if {
	d := authz.decision with data.keycard.policy as object.union(orders, {"has_custom": false})
		with input as {"principal": developer, "requests": [request("s3:GetObject", "locked/a")]}
	not d.allow
	d.requests[0] == {
		"allow": false,
		"reason": "explicitly denied by locked",
		"explicitDeny": true,
		"matched": [
			{"document": "orders.json", "statementIndex": 0, "effect": "Allow"},
			{"document": "orders.json", "statementIndex": 0, "effect": "Deny"},
		],
		"unknown": [],
		"conditionFailures": [],
	}
}

# With a boundary, an allow names the boundary statement's position after the identity ones;
# what the boundary does not allow is explained in full.
test_builtin_decision_with_a_boundary if {
	d := authz.decision with data.keycard.policy as object.union(bounded, {"has_custom": false})
		with input as {"principal": developer, "requests": [request("s3:GetObject", "a"), request("s3:PutObject", "b")]}
	d.requests[0] == {"allow": true, "m": [0, 3]}
	not d.requests[1].allow
	startswith(d.requests[1].reason, "denied by the permissions boundary")
}

test_denied_when_one_request_is if {
	d := authz.decision with data.keycard.policy as orders
		with input as {"requests": [request("s3:GetObject", "a"), request("s3:GetObject", "locked/b")]}
	not d.allow
	[r.allow | some r in d.requests] == [true, false]
	d.requests[1].reason == "explicitly denied by locked"
	d.requests[1].explicitDeny
}

test_requests_keep_their_order_and_spelling if {
	d := authz.decision with data.keycard.policy as orders
		with input as {"requests": [
			request("S3:PUTOBJECT", "x"),
			request("s3:DeleteObject", "x"),
			request("s3:getobject", "x"),
		]}
	[[r.action, r.allow] | some r in d.requests] == [
		["S3:PUTOBJECT", true],
		["s3:DeleteObject", false],
		["s3:getobject", true],
	]
}

test_no_requests_is_not_an_allow if {
	d := authz.decision with data.keycard.policy as orders with input as {"requests": []}
	not d.allow
	d.requests == []
}

test_boundary_applies_to_each_request if {
	d := authz.decision with data.keycard.policy as bounded
		with input as {"requests": [request("s3:GetObject", "a"), request("s3:PutObject", "a")]}
	[r.allow | some r in d.requests] == [true, false]
	startswith(d.requests[1].reason, "denied by the permissions boundary")
}

test_principal_and_region_reach_policy_variables if {
	by_region := {
		"statements": [statement("regional", "Allow", {
			"action": [any_pattern],
			"resource": [{"tpl": [
				{"lit": "arn:aws:s3:::orders/", "re": "arn:aws:s3:::orders/"},
				{"var": "aws:requestedregion"},
			]}],
		})],
		"index": {
			"identity": {"action": {}, "service": {}, "any": [0]},
			"boundary": {"action": {}, "service": {}, "any": []},
		},
		"has_boundary": false,
	}
	allowed := authz.decision with data.keycard.policy as by_region
		with input as {"region": "eu-west-1", "requests": [request("s3:GetObject", "eu-west-1")]}
	allowed.allow
	no_region := authz.decision with data.keycard.policy as by_region
		with input as {"requests": [request("s3:GetObject", "")]}
	not no_region.allow
}

# --- custom rules ---------------------------------------------------------------------

test_custom_deny_overrides_an_allow if {
	writing := with_context(request("s3:PutObject", "a"), {"test:release-only": true})
	d := authz.decision with data.keycard.policy as orders
		with input as {"principal": developer, "requests": [writing]}
	d.allow
	d.requests[0].customDenies == []
	deleting := with_context(request("s3:DeleteObject", "a"), {"test:release-only": true})
	denied := authz.decision with data.keycard.policy as orders
		with input as {"principal": developer, "requests": [deleting]}
	not denied.allow
	denied.requests[0].explicitDeny
	denied.requests[0].reason == "denied by custom rule: deleting needs the release role"
	denied.requests[0].customDenies == ["deleting needs the release role"]
}

test_custom_deny_reads_the_principal_and_region if {
	d := authz.decision with data.keycard.policy as orders
		with input as {"principal": release, "region": "us-east-1", "requests": [
			with_context(request("s3:GetObject", "a"), {"test:approved-regions": true}),
			with_context(request("s3:DeleteObject", "a"), {"test:release-only": true}),
		]}
	[r.reason | some r in d.requests] == [
		"denied by custom rule: region us-east-1 is not approved",
		"implicitly denied: no statement allows s3:DeleteObject on arn:aws:s3:::orders/a",
	]
}

test_custom_rules_see_unknown_keys_and_resource_parts_apart if {
	partly := object.union(
		with_context(request("s3:PutObject", "a"), {"test:echo-unknown": true}),
		{"uk": {"s3:tlsversion": true}, "up": ["ObjectName"]},
	)
	d := authz.decision with data.keycard.policy as orders
		with input as {"principal": developer, "requests": [partly]}
	`keys ["s3:tlsversion"], resource ["ObjectName"]` in d.requests[0].customDenies
}

test_custom_rules_see_the_iam_result if {
	d := authz.decision with data.keycard.policy as orders
		with input as {"requests": [
			with_context(request("s3:GetObject", "locked/a"), {"test:echo-iam": true}),
			with_context(request("s3:GetObject", "a"), {"test:echo-iam": true}),
		]}
	[r.customDenies | some r in d.requests] == [["the IAM policies denied this explicitly"], []]
}

test_custom_allow_grants_what_iam_does_not if {
	d := authz.decision with data.keycard.policy as orders
		with input as {"requests": [with_context(request("s3:DeleteObject", "a"), {"test:ticket": "INC-1"})]}
	d.allow
	d.requests[0].reason == "allowed by custom rule: ticket INC-1 is open"
	d.requests[0].customAllows == ["ticket INC-1 is open"]
}

test_custom_allow_never_overrides_an_explicit_deny if {
	d := authz.decision with data.keycard.policy as orders
		with input as {"requests": [with_context(request("s3:DeleteObject", "locked/a"), {"test:ticket": "INC-1"})]}
	not d.allow
	d.requests[0].reason == "explicitly denied by locked"
	d.requests[0].customAllows == ["ticket INC-1 is open"]
}

test_custom_allow_still_needs_the_boundary if {
	d := authz.decision with data.keycard.policy as bounded
		with input as {"requests": [
			with_context(request("s3:DeleteObject", "a"), {"test:ticket": "INC-2"}),
			with_context(request("s3:GetObjectTagging", "a"), {"test:ticket": "INC-2"}),
		]}
	[r.allow | some r in d.requests] == [false, true]
	d.requests[0].reason == concat("", [
		"implicitly denied: no statement allows s3:DeleteObject on arn:aws:s3:::orders/a",
		", and the permissions boundary does not allow it either",
	])
	d.requests[1].reason == "allowed by custom rule: ticket INC-2 is open"
}

test_custom_allow_on_an_iam_allow_keeps_the_iam_reason if {
	d := authz.decision with data.keycard.policy as orders
		with input as {"requests": [with_context(request("s3:GetObject", "a"), {"test:ticket": "INC-3"})]}
	d.requests[0].reason == "allowed by read"
	d.requests[0].customAllows == ["ticket INC-3 is open"]
}

test_custom_deny_beats_custom_allow if {
	ctx := {"test:ticket": "INC-4", "test:release-only": true}
	d := authz.decision with data.keycard.policy as orders
		with input as {"principal": developer, "requests": [with_context(request("s3:DeleteObject", "a"), ctx)]}
	not d.allow
	d.requests[0].reason == "denied by custom rule: deleting needs the release role"
}

test_reasons_from_several_modules_are_sorted_and_joined if {
	custom := {"b_team": {"deny": {"zeta"}}, "a_team": {"deny": {"alpha", "beta"}}, "c_team": {"allow": {"ok"}}}
	d := authz.decision with data.keycard.policy as orders
		with data.keycard.custom as custom
		with input as {"requests": [request("s3:GetObject", "a")]}
	d.requests[0].reason == "denied by custom rule: alpha; beta; zeta"
	d.requests[0].customDenies == ["alpha", "beta", "zeta"]
	d.requests[0].customAllows == ["ok"]
}

test_without_custom_rules if {
	d := authz.decision with data.keycard.policy as orders
		with data.keycard.custom as {}
		with input as {"requests": [request("s3:GetObject", "a")]}
	d.allow
	d.requests[0].customDenies == []
}
