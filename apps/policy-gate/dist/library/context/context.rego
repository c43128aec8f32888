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

environment_value("aws:multifactorauthpresent", env) := env.principal.mfa

environment_value(key, env) := v if {
	startswith(key, "aws:principaltag/")
	tag := substring(key, 17, -1)
	some k, v in env.principal.tags
	lower(k) == tag
}

# has_value is true when the key has any value here, even false or an empty list.
# A null counts as no value: a principal field given as null is as unknown as one left out.
has_value(req, env, key) if type_name(value(req, env, key)) != "null"

# unknown is true when the key has no value here although AWS will have one that keycard
# cannot see before the call. `cls` is the loader's reading of the key: "s" when only AWS
# knows it, "p:<field>" when it comes from that field of the principal, "" otherwise.
unknown(req, env, key, _) if {
	not has_value(req, env, key)
	req.uk[key]
}

# An entry ending in "*" stands for a family of keys (`kms:encryptioncontext:*`): every key
# that starts with the text before the "*".
unknown(req, env, key, _) if {
	not has_value(req, env, key)
	some family, _ in req.uk
	endswith(family, "*")
	startswith(key, trim_suffix(family, "*"))
}

unknown(req, env, key, "s") if not has_value(req, env, key)

unknown(req, env, key, cls) if {
	startswith(cls, "p:")
	not has_value(req, env, key)
	principal_unknown(substring(cls, 2, -1), env)
}

# Every request goes to some region; without one, aws:RequestedRegion is unknown, not absent.
unknown(req, env, key, "r") if {
	not has_value(req, env, key)
	env.region == ""
}

principal_unknown(_, env) if not env.principal_given

principal_unknown("tags", env) if not is_object(object.get(env.principal, "tags", null))

# Only IAM users have a user name; for any other known type its absence is real.
principal_unknown("username", env) if {
	not env.principal.username
	object.get(env.principal, "type", null) in {"User", null}
}

principal_unknown(field, env) if {
	not field in {"tags", "username"}
	object.get(env.principal, field, null) == null
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

# resolve_glob fills a resource pattern's variables into its glob form (see keycard.globs);
# undefined when a variable has no value.
resolve_glob(parts, req, env) := concat("", pieces) if {
	pieces := [piece |
		some part in parts
		piece := part_glob(part, req, env)
	]
	count(pieces) == count(parts)
}

part_glob(part, _, _) := part.g

part_glob(part, req, env) := variable(part, req, env) if {
	not part.lit
	not variable_unknown(part, req, env)
}

# resolve_cover_regex is resolve_regex in the form whose `?` cannot stand for an unknown part.
resolve_cover_regex(parts, req, env) := concat("", array.concat(["^"], array.concat(pieces, ["$"]))) if {
	pieces := [piece |
		some part in parts
		piece := part_cover_regex(part, req, env)
	]
	count(pieces) == count(parts)
}

part_cover_regex(part, _, _) := object.get(part, "cre", part.re)

part_cover_regex(part, req, env) := escape_regex(variable(part, req, env)) if {
	not part.re
	not variable_unknown(part, req, env)
}

# variable_unknown is true when a variable's value is unknown before the call, or carries the
# characters keycard reserves for unknown parts (so it cannot be compared as text).
variable_unknown(part, req, env) if unknown(req, env, part.var, object.get(part, "u", ""))

variable_unknown(part, req, env) if regex.match(`[\x{E000}-\x{E00F}]`, variable(part, req, env))

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

# A value the request does not carry is the default, unless it is unknown: then the default
# says nothing about what AWS will see.
variable(part, req, env) := s if {
	v := value(req, env, part.var)
	not is_array(v)
	s := as_string(v)
} else := part.default if {
	not unknown(req, env, part.var, object.get(part, "u", ""))
}

# regex_answers is true when matching gives an answer at all. A pattern the regular-expression
# engine cannot compile (WebAssembly's RE2 has size limits) leaves regex.match undefined,
# which must never be read as "does not match" where a match would deny.
regex_answers(pattern, s) if is_boolean(regex.match(pattern, s))

escape_regex(s) := concat("", [e |
	some c in split(s, "")
	e := escape_char(c)
])

escape_char(c) := concat("", ["\\", c]) if regex.match(`^[\\.+*?()|\[\]{}^$]$`, c)

escape_char(c) := c if not regex.match(`^[\\.+*?()|\[\]{}^$]$`, c)
