# METADATA
# title: keycard decision entrypoint
# description: |
#   Decides every request in `input.requests` against the IAM documents compiled into
#   `data.keycard.policy` and the custom rules under `data.keycard.custom`.
#   Input:  {"principal": {...}, "region": "...", "requests": [{"action", "resource", "context"}]}
#   Output: {"allow": bool, "requests": [{"action", "resource", "allow", "reason", "matched"}]}
package keycard.authz

import data.keycard.iam

# METADATA
# description: The whole decision, allowed only when there are requests and every one is allowed.
# entrypoint: true
decision := {
	"allow": every_request_allowed,
	"requests": request_decisions,
}

default every_request_allowed := false

every_request_allowed if {
	count(request_decisions) > 0
	every d in request_decisions {
		d.allow
	}
}

# A missing principal is unknown, not absent: principal keys then cannot be decided.
env := {
	"principal": object.get(input, "principal", {}),
	"principal_given": is_object(object.get(input, "principal", null)),
	"region": object.get(input, "region", ""),
}

request_decisions := [d |
	some req in input.requests
	d := request_decision(req, env)
]

# The built-in library (`has_custom: false`, see `decide`) answers an allowed request with the
# verdict and the positions of the statements that matched, and nothing else: the loader
# builds the reason and the matched statements from the data it compiled. Explaining an allow
# in the module and reading it back as JSON cost a third of an evaluation. A request that is
# not allowed is evaluated again, in full, with its explanation.
request_decision(req, env) := {"allow": true, "m": matched} if {
	data.keycard.policy.has_custom == false
	matched := iam.allowed(req, env)
} else := decide(req, iam.evaluate(req, env), env)

# The loader sets `has_custom: false` when the module cannot hold custom rules (the built-in
# library), which spares every request the custom-rule evaluation below. The loader then adds
# the request's own `action` and `resource` and the empty custom-rule lists itself: writing
# and reading them back as JSON is a tenth of an evaluation.
decide(req, result, env) := {
	"allow": result.allow,
	"reason": result.reason,
	"explicitDeny": result.explicit_deny,
	"matched": result.matched,
	"unknown": result.unknown,
	"conditionFailures": result.condition_failures,
} if {
	data.keycard.policy.has_custom == false
} else := with_custom_rules(req, result, env)

with_custom_rules(req, result, env) := request_result(req, result, sort(denies), sort(allows)) if {
	custom_input := {
		"principal": env.principal,
		"region": env.region,
		"request": object.union(req, {
			"unknown": unknown_of(req),
			"unknownResource": object.get(req, "up", []),
			"unknownContext": unknown_keys(req),
		}),
		"iam": {"allow": result.allow, "explicit_deny": result.explicit_deny},
	}

	# Custom rules are written against one request at a time (see the README's contract),
	# so each sees its own input document.
	# regal ignore:with-outside-test-context,external-reference
	found := custom_denies with input as custom_input

	# regal ignore:with-outside-test-context,external-reference
	allows := custom_allows with input as custom_input
	denies := found | undecided_modules(req)
}

# A custom module decides a partly known request only if it says it does (`decides_unknown :=
# true`, meaning its deny rules consult `input.request.unknown`); otherwise keycard cannot tell
# what its rules would decide for the values it does not know, and denies.
undecided_modules(req) := {reason |
	unknown := unknown_of(req)
	count(unknown) > 0
	some name, module in data.keycard.custom
	not module.decides_unknown == true
	reason := concat("", [
		"keycard.custom.", name, " does not declare decides_unknown, so it cannot decide a request ",
		"with what is unknown before the call: ", concat(", ", unknown),
	])
}

# What a custom rule cannot see about the request: unknown parts of its resource and condition
# keys whose values are unknown. A rule that could deny such a request should deny when this
# is not empty.
unknown_of(req) := array.concat(object.get(req, "up", []), unknown_keys(req))

# The condition keys AWS will have whose values keycard does not know, lower-cased (a family
# ends in "*").
unknown_keys(req) := [key | some key, _ in object.get(req, "uk", {})]

# Reasons from every custom module; packages that do not exist contribute nothing.
custom_denies contains reason if {
	some module in data.keycard.custom
	some reason in module.deny
}

custom_allows contains reason if {
	some module in data.keycard.custom
	some reason in module.allow
}

request_result(req, result, denies, allows) := {
	"action": req.action,
	"resource": req.resource,
	"allow": verdict.allow,
	"reason": verdict.reason,
	"explicitDeny": (count([true | result.explicit_deny]) + count(denies)) > 0,
	"matched": result.matched,
	"unknown": result.unknown,
	"conditionFailures": result.condition_failures,
	"customDenies": denies,
	"customAllows": allows,
} if {
	verdict := custom_verdict(req, result, denies, allows)
}

# A custom deny always wins. A custom allow stands in for an identity-policy allow: it
# never overrides an explicit deny, and a permissions boundary still has to allow.
custom_verdict(_, _, denies, _) := {
	"allow": false,
	"reason": concat("", ["denied by custom rule: ", concat("; ", denies)]),
} if count(denies) > 0

custom_verdict(req, result, denies, allows) := {"allow": result.allow, "reason": result.reason} if {
	count(denies) == 0
	not custom_allow_applies(req, result, allows)
}

custom_verdict(req, result, denies, allows) := {
	"allow": true,
	"reason": concat("", ["allowed by custom rule: ", concat("; ", allows)]),
} if {
	count(denies) == 0
	custom_allow_applies(req, result, allows)
}

# A custom rule sees the request's display form, in which an unknown part reads as `*`; it
# cannot tell what that part will be, so its allow never covers a partly known request.
custom_allow_applies(req, result, allows) if {
	count(allows) > 0
	not result.allow
	not result.explicit_deny
	result.boundary_allows
	not req.rp
	count(result.unknown) == 0
}
