# METADATA
# title: request context
# description: |
#   Condition keys and policy variables. Keys are case-insensitive, so a request's context is
#   searched exactly first (callers usually send canonical casing) and then case-insensitively;
#   keys about the caller fall back to `env.principal` and `env.region`, where `env` is
#   `{"principal": {...}, "region": "..."}` built once per evaluation.
package keycard.context

# value returns the request's value for a lower-cased condition key; undefined when absent.
value(req, env, key) := v if {
	v := req.context[key]
} else := v if {
	some k, v in req.context
	lower(k) == key
} else := v if {
	v := environment_value(key, env)
}

environment_value("aws:principalarn", env) := env.principal.arn

environment_value("aws:principalaccount", env) := env.principal.accountId

environment_value("aws:userid", env) := env.principal.userId

environment_value("aws:username", env) := env.principal.username

environment_value("aws:principaltype", env) := env.principal.type

# An evaluation without a region has no aws:RequestedRegion, rather than an empty one.
environment_value("aws:requestedregion", env) := env.region if env.region != ""

environment_value(key, env) := v if {
	startswith(key, "aws:principaltag/")
	tag := substring(key, 17, -1)
	some k, v in env.principal.tags
	lower(k) == tag
}

# present is true when the key has a value; an empty list counts as absent, as in IAM.
present(req, env, key) if {
	v := value(req, env, key)
	v != []
}

# values returns a key's values as a list, whether the request carries one or many.
values(req, env, key) := v if {
	v := value(req, env, key)
	is_array(v)
} else := [v] if {
	v := value(req, env, key)
}

# as_string renders a scalar context value the way IAM compares it as a string.
as_string(v) := v if is_string(v)

as_string(true) := "true"

as_string(false) := "false"

as_string(v) := json.marshal(v) if is_number(v)

# resolve_string fills a template's variables; undefined when a variable has no value.
resolve_string(parts, req, env) := concat("", pieces) if {
	pieces := [piece |
		some part in parts
		piece := part_string(part, req, env)
	]
	count(pieces) == count(parts)
}

# resolve_regex does the same for a wildcard pattern; variable values match literally.
resolve_regex(parts, req, env) := concat("", array.concat(["^"], array.concat(pieces, ["$"]))) if {
	pieces := [piece |
		some part in parts
		piece := part_regex(part, req, env)
	]
	count(pieces) == count(parts)
}

part_string(part, _, _) := part.lit

part_string(part, req, env) := variable(part, req, env) if not part.lit

part_regex(part, _, _) := part.re

part_regex(part, req, env) := escape_regex(variable(part, req, env)) if not part.re

variable(part, req, env) := s if {
	v := value(req, env, part.var)
	not is_array(v)
	s := as_string(v)
} else := part.default

escape_regex(s) := concat("", [e |
	some c in split(s, "")
	e := escape_char(c)
])

escape_char(c) := concat("", ["\\", c]) if regex.match(`^[\\.+*?()|\[\]{}^$]$`, c)

escape_char(c) := c if not regex.match(`^[\\.+*?()|\[\]{}^$]$`, c)
