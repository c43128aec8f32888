# METADATA
# title: IAM policy evaluation
# description: |
#   Identity-based policy evaluation as AWS performs it: an explicit deny in any document
#   wins, otherwise some identity statement must allow, and when a permissions boundary is
#   present one of its statements must allow too; everything else is an implicit deny.
#
#   `data.keycard.policy` is produced by the loader:
#     statements: [{ref, label, effect, action | not_action, resource | not_resource, condition}]
#     index: {identity | boundary: {action: {"s3:getobject": [i]}, service: {"s3": [i]}, any: [i]}}
#     has_boundary: bool
#   The index lets each request touch only statements that can name its action, since
#   WebAssembly evaluation has no rule indexing of its own.
package keycard.iam

import data.keycard.conditions
import data.keycard.context
import data.keycard.globs

policy := data.keycard.policy

# evaluate decides one request; env is {"principal": {...}, "region": "..."}.
evaluate(req, env) := outcome(req, env, action, service, identity, boundary) if {
	action := lower(req.action)
	service := service_of(action)
	identity := matching(policy.index.identity, policy.statements, action, service, req, env)
	boundary := boundary_matching(action, service, req, env)
}

service_of(action) := substring(action, 0, i) if {
	i := indexof(action, ":")
	i > 0
} else := action

boundary_matching(action, service, req, env) := found if {
	policy.has_boundary
	found := matching(policy.index.boundary, policy.statements, action, service, req, env)
} else := []

# matching lists the statements of one set that apply to the request: those filed under
# its exact action, then under its service, then those that can match any action.
matching(idx, statements, action, service, req, env) := [s |
	some i in matching_positions(idx, statements, action, service, req, env)
	s := statements[i]
]

# The positions in `statements` of the statements `matching` lists, in the same order.
matching_positions(idx, statements, action, service, req, env) := positions if {
	exact := [i |
		some i in object.get(idx.action, action, [])
		applies(statements[i], action, req, env)
	]
	by_service := [i |
		some i in object.get(idx.service, service, [])
		applies(statements[i], action, req, env)
	]
	anywhere := [i |
		some i in idx.any
		applies(statements[i], action, req, env)
	]
	positions := array.concat(array.concat(exact, by_service), anywhere)
}

# allowed is defined only when `evaluate` would allow the request, and is then the positions
# of the statements `evaluate` reports as matched (identity, then boundary): every one an
# Allow, at least one identity statement, and one boundary statement when there is a boundary.
# It builds no explanation, which only a request that is not allowed needs.
allowed(req, env) := array.concat(identity, boundary) if {
	action := lower(req.action)
	service := service_of(action)
	identity := matching_positions(policy.index.identity, policy.statements, action, service, req, env)
	count(identity) > 0
	boundary := boundary_positions(action, service, req, env)
	every i in array.concat(identity, boundary) {
		policy.statements[i].effect == "Allow"
	}
}

boundary_positions(action, service, req, env) := found if {
	policy.has_boundary
	found := matching_positions(policy.index.boundary, policy.statements, action, service, req, env)
	count(found) > 0
} else := [] if {
	not policy.has_boundary
}

# An Allow applies only when it surely does: its resource pattern covers every value the
# resource may take and every condition holds with nothing unknown. A Deny applies when it may:
# its pattern could match some value and no condition surely fails.
applies(s, action, req, env) if {
	s.effect == "Allow"
	action_applies(s, action)
	surely_applies(s, req, env)
}

applies(s, action, req, env) if {
	s.effect == "Deny"
	action_applies(s, action)
	may_apply(s, req, env)
}

surely_applies(s, req, env) if {
	resource_covers(s, req, env)
	every c in object.get(s, "condition", []) {
		conditions.holds(c, req, env)
		not conditions.undecided(c, req, env)
	}
}

may_apply(s, req, env) if {
	resource_may_match(s, req, env)
	every c in object.get(s, "condition", []) {
		condition_may_hold(c, req, env)
	}
}

condition_may_hold(c, req, env) if conditions.holds(c, req, env)

condition_may_hold(c, req, env) if conditions.undecided(c, req, env)

action_applies(s, action) if {
	some p in s.action
	action_matches(p, action)
}

action_applies(s, action) if {
	not s.action
	not any_action_matches(s.not_action, action)
}

any_action_matches(patterns, action) if {
	some p in patterns
	action_matches(p, action)
}

action_matches(p, _) if p.any

action_matches(p, action) if p.s == action

action_matches(p, action) if startswith(action, p.p)

action_matches(p, action) if regex.match(p.re, action)

# --- resources --------------------------------------------------------------------------
# A request whose resource is partly unknown carries `rp` (known text with U+E000 for each
# unknown part), `rre` (the same as a regular expression) and `up` (what each part is).

resource_covers(s, req, env) if {
	some p in s.resource
	pattern_covers(p, req, env)
}

resource_covers(s, req, env) if {
	not s.resource
	not any_pattern_may_match(s.not_resource, req, env)
	not unresolvable_allow_exclusion(s, req, env)
}

resource_may_match(s, req, env) if {
	some p in s.resource
	pattern_may_match(p, req, env)
}

resource_may_match(s, req, env) if {
	not s.resource
	not any_pattern_covers(s.not_resource, req, env)
}

any_pattern_may_match(patterns, req, env) if {
	some p in patterns
	pattern_may_match(p, req, env)
}

any_pattern_covers(patterns, req, env) if {
	some p in patterns
	pattern_covers(p, req, env)
}

# An Allow whose NotResource names a variable the request cannot fill would otherwise
# exclude nothing and allow every resource; when keycard cannot tell what is excluded, the
# statement does not allow. (A Deny in the same position still applies: failing closed.)
unresolvable_allow_exclusion(s, req, env) if {
	s.effect == "Allow"
	some p in s.not_resource
	tpl := p.tpl
	not context.resolve_regex(tpl, req, env)
}

# pattern_covers: every value the resource may take matches the pattern.
pattern_covers(p, req, env) if {
	not req.rp
	resource_matches(p, req, env)
}

pattern_covers(p, req, env) if covers_partial(p, req.rp, req, env)

covers_partial(p, _, _, _) if p.any

covers_partial(p, rp, _, _) if startswith(rp, p.p)

covers_partial(p, rp, _, _) if regex.match(object.get(p, "cre", p.re), rp)

covers_partial(p, rp, req, env) if regex.match(context.resolve_cover_regex(p.tpl, req, env), rp)

# pattern_may_match: some value the resource may take matches the pattern.
pattern_may_match(p, req, env) if {
	not req.rp
	resource_matches(p, req, env)
}

pattern_may_match(p, req, env) if {
	some part in p.tpl
	context.variable_unknown(part, req, env)
}

pattern_may_match(p, req, _) if {
	req.rp
	p.any
}

# A Deny (or an Allow's NotResource exclusion) whose pattern gets no answer may match.
pattern_may_match(p, req, _) if {
	not req.rp
	pattern := p.re
	not context.regex_answers(pattern, req.resource)
}

pattern_may_match(p, req, env) if {
	not req.rp
	pattern := context.resolve_regex(p.tpl, req, env)
	not context.regex_answers(pattern, req.resource)
}

pattern_may_match(p, req, _) if regex.match(req.rre, p.s)

pattern_may_match(p, req, _) if {
	pattern := req.rre
	text := p.s
	not context.regex_answers(pattern, text)
}

pattern_may_match(p, req, _) if globs.overlaps(p.g, req.rp)

pattern_may_match(p, req, env) if globs.overlaps(context.resolve_glob(p.tpl, req, env), req.rp)

# One chain, so that the first form that matches ends the search (a pattern has one form).
# A pattern whose variables the request cannot fill matches nothing.
resource_matches(p, req, env) if p.any

else if p.s == req.resource

else if startswith(req.resource, p.p)

else if regex.match(p.re, req.resource)

else if regex.match(context.resolve_regex(p.tpl, req, env), req.resource)

# --- outcome --------------------------------------------------------------------------

outcome(req, env, action, service, identity, boundary) := {
	"allow": allow,
	"explicit_deny": count(denies) > 0,
	"boundary_allows": boundary_ok,
	"reason": reason(req, sure_denies, doubtful_denies, allows, boundary_ok, misses),
	"matched": [s.ref | some s in array.concat(identity, boundary)],
	"unknown": sort({thing |
		some d in array.concat(doubtful_denies, misses)
		some thing in d.unknown
	}),
	"condition_failures": [f |
		some m in misses
		some f in m.failures
	],
} if {
	denies := [s | some s in array.concat(identity, boundary); s.effect == "Deny"]
	doubtful_denies := [{"label": s.label, "unknown": statement_unknowns(s, req, env)} |
		some s in denies
		not surely_applies(s, req, env)
	]
	sure_denies := [s.label | some s in denies; surely_applies(s, req, env)]
	allows := [s.label | some s in identity; s.effect == "Allow"]
	boundary_ok := boundary_allows(boundary)
	allow := count([true | count(denies) == 0; count(allows) > 0; boundary_ok]) == 1
	misses := allow_misses(req, env, action, service, allow)
}

# boundary_allows is always defined, so outcomes carry it as a plain boolean.
boundary_allows(boundary) if {
	not policy.has_boundary
} else if {
	some s in boundary
	s.effect == "Allow"
} else := false

# What a statement depended on that keycard does not know: unknown parts of the resource it
# did not cover, unknown variables in its patterns, and keys its conditions could not decide.
statement_unknowns(s, req, env) := array.concat(resource_unknowns(s, req, env), [key |
	some c in object.get(s, "condition", [])
	conditions.undecided(c, req, env)
	key := written(c).key
])

resource_unknowns(s, req, env) := [] if {
	resource_covers(s, req, env)
} else := array.concat(object.get(req, "up", []), [concat("", ["${", part.var, "}"]) |
	some p in object.get(s, "resource", object.get(s, "not_resource", []))
	some part in p.tpl
	context.variable_unknown(part, req, env)
])

# On a denied request: the Allow statements (identity or boundary) that name its action and
# may match its resource but did not surely apply, with the conditions that failed or could
# not be decided. Allowed requests skip this work.
allow_misses(_, _, _, _, true) := []

allow_misses(req, env, action, service, false) := [{
	"label": s.label,
	"unknown": statement_unknowns(s, req, env),
	"failures": [condition_failure(s, c, req, env) |
		some c in object.get(s, "condition", [])
		not surely_holds(c, req, env)
	],
} |
	some idx in [policy.index.identity, object.get(policy.index, "boundary", {})]
	some i in candidates(idx, action, service)
	s := policy.statements[i]
	s.effect == "Allow"
	action_applies(s, action)
	resource_may_match(s, req, env)
	not surely_applies(s, req, env)
]

candidates(idx, action, service) := array.concat(array.concat(by_action, by_service), object.get(idx, "any", [])) if {
	by_action := object.get(object.get(idx, "action", {}), action, [])
	by_service := object.get(object.get(idx, "service", {}), service, [])
}

surely_holds(c, req, env) if {
	conditions.holds(c, req, env)
	not conditions.undecided(c, req, env)
}

condition_failure(s, c, req, env) := object.union(
	{
		"statement": s.ref,
		"operator": written(c).op,
		"key": written(c).key,
		"values": written(c).values,
		"unknown": count([true | conditions.undecided(c, req, env)]) > 0,
	},
	seen(c, req, env),
)

seen(c, req, env) := {"seen": v} if {
	v := context.value(req, env, c.key)
} else := {}

written(c) := object.get(c, "w", {"op": c.op, "key": c.key, "values": []})

reason(req, sure, doubtful, allows, boundary_ok, misses) := concat("", [
	"explicitly denied by ",
	concat(", ", sure),
]) if {
	count(sure) > 0
} else := concat("; ", [doubt_reason(d) | some d in doubtful]) if {
	count(doubtful) > 0
} else := concat("", ["allowed by ", concat(", ", allows)]) if {
	count(allows) > 0
	boundary_ok
} else := concat("", [
	"denied by the permissions boundary: no boundary statement allows ", req.action, " on ", req.resource,
	misses_note(misses),
]) if {
	count(allows) > 0
} else := concat("", [
	"implicitly denied: no statement allows ", req.action, " on ", req.resource,
	", and the permissions boundary does not allow it either", misses_note(misses),
]) if {
	not boundary_ok
} else := concat("", ["implicitly denied: no statement allows ", req.action, " on ", req.resource, misses_note(misses)])

doubt_reason(d) := concat("", [
	"denied: ", d.label, " may apply and cannot be ruled out; unknown before the call: ",
	concat(", ", d.unknown),
])

misses_note(misses) := concat("", [note |
	some m in misses
	note := miss_note(m)
])

miss_note(m) := concat("", [
	"; ", m.label, " could allow, but it depends on what is unknown before the call: ",
	concat(", ", m.unknown),
]) if {
	count(m.unknown) > 0
} else := concat("", [
	"; ", m.label, " matches the action and resource but not its condition ",
	concat(", ", [concat(" ", [f.operator, f.key]) | some f in m.failures]),
])
