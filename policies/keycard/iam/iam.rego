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

policy := data.keycard.policy

# evaluate decides one request; env is {"principal": {...}, "region": "..."}.
evaluate(req, env) := result if {
	action := lower(req.action)
	service := service_of(action)
	identity := matching("identity", action, service, req, env)
	boundary := matching("boundary", action, service, req, env)
	result := outcome(req, identity, boundary)
}

service_of(action) := substring(action, 0, i) if {
	i := indexof(action, ":")
	i > 0
}

service_of(action) := action if indexof(action, ":") <= 0

# matching lists, in document order, the statements of one set that apply to the request.
matching(set, action, service, req, env) := [s |
	some i in candidates(set, action, service)
	s := policy.statements[i]
	applies(s, action, req, env)
]

candidates(set, action, service) := (exact | by_service) | anywhere if {
	idx := object.get(policy.index, set, {})
	exact := {i | some i in idx.action[action]}
	by_service := {i | some i in idx.service[service]}
	anywhere := {i | some i in idx.any}
}

applies(s, action, req, env) if {
	action_applies(s, action)
	resource_applies(s, req, env)
	every c in object.get(s, "condition", []) {
		conditions.holds(c, req, env)
	}
}

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

action_matches(p, action) if regex.match(p.re, action)

resource_applies(s, req, env) if {
	some p in s.resource
	resource_matches(p, req, env)
}

resource_applies(s, req, env) if {
	not s.resource
	not any_resource_matches(s.not_resource, req, env)
}

any_resource_matches(patterns, req, env) if {
	some p in patterns
	resource_matches(p, req, env)
}

resource_matches(p, _, _) if p.any

resource_matches(p, req, _) if p.s == req.resource

resource_matches(p, req, _) if regex.match(p.re, req.resource)

# A pattern whose variables the request cannot fill matches nothing.
resource_matches(p, req, env) if regex.match(context.resolve_regex(p.tpl, req, env), req.resource)

# --- outcome --------------------------------------------------------------------------

outcome(_, identity, boundary) := {
	"allow": false,
	"explicit_deny": true,
	"boundary_allows": boundary_allows(boundary),
	"reason": concat("", ["explicitly denied by ", concat(", ", [s.label | some s in denies])]),
	"matched": refs(identity, boundary),
} if {
	denies := [s | some s in array.concat(identity, boundary); s.effect == "Deny"]
	count(denies) > 0
}

outcome(req, identity, boundary) := {
	"allow": allowed,
	"explicit_deny": false,
	"boundary_allows": boundary_allows(boundary),
	"reason": reason,
	"matched": refs(identity, boundary),
} if {
	not has_deny(identity, boundary)
	allows := [s.label | some s in identity; s.effect == "Allow"]
	allowed := allowed_by(allows, boundary)
	reason := allow_reason(req, allows, boundary)
}

has_deny(identity, boundary) if {
	some s in array.concat(identity, boundary)
	s.effect == "Deny"
}

allowed_by(allows, boundary) if {
	count(allows) > 0
	boundary_allows(boundary)
}

allowed_by(allows, boundary) := false if {
	not count(allows) > 0
	boundary_allows(boundary)
}

allowed_by(_, boundary) := false if not boundary_allows(boundary)

# boundary_allows is always defined, so outcomes can carry it as a plain boolean.
boundary_allows(boundary) if {
	not policy.has_boundary
} else if {
	some s in boundary
	s.effect == "Allow"
} else := false

allow_reason(req, allows, boundary) := concat("", [
	"implicitly denied: no statement allows ", req.action, " on ", req.resource,
]) if {
	count(allows) == 0
	boundary_allows(boundary)
}

allow_reason(req, allows, boundary) := concat("", [
	"denied by the permissions boundary: no boundary statement allows ", req.action, " on ", req.resource,
]) if {
	count(allows) > 0
	not boundary_allows(boundary)
}

allow_reason(req, allows, boundary) := concat("", [
	"implicitly denied: no statement allows ", req.action, " on ", req.resource,
	", and the permissions boundary does not allow it either",
]) if {
	count(allows) == 0
	not boundary_allows(boundary)
}

allow_reason(_, allows, boundary) := concat("", ["allowed by ", concat(", ", allows)]) if {
	count(allows) > 0
	boundary_allows(boundary)
}

refs(identity, boundary) := [s.ref | some s in array.concat(identity, boundary)]
