# METADATA
# title: IAM condition operators
# description: |
#   Evaluates one compiled Condition entry. The loader normalises each entry to
#   {"op", "negated", "if_exists", "set", "key", "values"}: `op` is the positive operator
#   family (str_eq, str_eq_ic, str_like, num_*, date_*, bool, bin_eq, ip, arn_like, null),
#   `negated` marks the Not… forms, `set` is "", "all" (ForAllValues) or "any" (ForAnyValue),
#   and policy values are already parsed (numbers, epoch seconds, CIDRs, regular expressions).
package keycard.conditions

import data.keycard.context
import data.keycard.dates

# holds is true when the condition entry is satisfied by the request.
# Null: {"key": "true"} asks for the key to be absent, {"key": "false"} for it to be present.
holds(c, req, env) if {
	c.op == "null"
	not context.present(req, env, c.key)
	true in c.values
}

holds(c, req, env) if {
	c.op == "null"
	context.present(req, env, c.key)
	false in c.values
}

holds(c, req, env) if {
	c.op != "null"
	not context.present(req, env, c.key)
	absent_holds(c)
}

holds(c, req, env) if {
	c.op != "null"
	context.present(req, env, c.key)
	present_holds(c, context.values(req, env, c.key), req, env)
}

# undecided is true when the condition cannot be decided before the call: its key, or a
# variable in its values, is unknown.
undecided(c, req, env) if context.unknown(req, env, c.key, object.get(c, "u", ""))

undecided(c, req, env) if {
	some v in c.values
	is_object(v)
	some part in v.tpl
	context.variable_unknown(part, req, env)
}

# A pattern that gets no answer (see context.regex_answers) leaves the condition undecided:
# a Deny then applies and an Allow does not.
undecided(c, req, env) if {
	c.op in {"str_like", "arn_like"}
	some expected in c.values
	pattern := expected_regex(expected, req, env)
	some v in context.values(req, env, c.key)
	not context.regex_answers(pattern, context.as_string(v))
}

# A missing key satisfies …IfExists forms, ForAllValues (vacuously) and the negated
# operators, and nothing else.
absent_holds(c) if c.if_exists

absent_holds(c) if c.set == "all"

absent_holds(c) if {
	c.negated
	c.set == ""
}

present_holds(c, request_values, req, env) if {
	c.set == "all"
	every v in request_values {
		single_holds(c, v, req, env)
	}
}

present_holds(c, request_values, req, env) if {
	c.set != "all"
	not c.negated
	some v in request_values
	single_holds(c, v, req, env)
}

# Without a set operator, a negated operator holds only when no request value matches
# any policy value; with ForAnyValue, one non-matching value is enough.
present_holds(c, request_values, req, env) if {
	c.set == ""
	c.negated
	every v in request_values {
		single_holds(c, v, req, env)
	}
}

present_holds(c, request_values, req, env) if {
	c.set == "any"
	c.negated
	some v in request_values
	single_holds(c, v, req, env)
}

single_holds(c, v, req, env) if {
	not c.negated
	matches_any(c, v, req, env)
}

single_holds(c, v, req, env) if {
	c.negated
	not matches_any(c, v, req, env)
}

matches_any(c, v, req, env) if {
	some expected in c.values
	matches(c.op, expected, v, req, env)
}

# --- strings ------------------------------------------------------------------------

matches("str_eq", expected, v, req, env) if expected_string(expected, req, env) == context.as_string(v)

matches("str_eq_ic", expected, v, req, env) if {
	lower(expected_string(expected, req, env)) == lower(context.as_string(v))
}

matches("str_like", expected, v, req, env) if regex.match(expected_regex(expected, req, env), context.as_string(v))

# A pattern whose only wildcard is a trailing `*` arrives as a prefix.
matches("str_like", expected, v, _, _) if startswith(context.as_string(v), expected.p)

matches("arn_like", expected, v, req, env) if regex.match(expected_regex(expected, req, env), context.as_string(v))

matches("bin_eq", expected, v, _, _) if expected.s == context.as_string(v)

# --- numbers and dates ----------------------------------------------------------------

matches("num_eq", expected, v, _, _) if number(v) == expected.n

matches("num_lt", expected, v, _, _) if number(v) < expected.n

matches("num_lte", expected, v, _, _) if number(v) <= expected.n

matches("num_gt", expected, v, _, _) if number(v) > expected.n

matches("num_gte", expected, v, _, _) if number(v) >= expected.n

matches("date_eq", expected, v, _, _) if dates.epoch(v) == expected.n

matches("date_lt", expected, v, _, _) if dates.epoch(v) < expected.n

matches("date_lte", expected, v, _, _) if dates.epoch(v) <= expected.n

matches("date_gt", expected, v, _, _) if dates.epoch(v) > expected.n

matches("date_gte", expected, v, _, _) if dates.epoch(v) >= expected.n

# --- booleans and addresses -----------------------------------------------------------

matches("bool", expected, v, _, _) if boolean(v) == expected.b

matches("ip", expected, v, _, _) if {
	is_string(v)
	regex.match(`^[0-9A-Fa-f:.]+(/[0-9]+)?$`, v)
	net.cidr_contains(expected.cidr, ip_address(v))
}

# An IPv4 peer of a dual-stack socket is reported as IPv4-mapped IPv6 (`::ffff:10.1.2.3`).
# It is the IPv4 address, as Go's net package (and so `opa eval`) treats it, but the
# WebAssembly built-in compares it as IPv6; both see the IPv4 form this way. The loader
# converts mapped policy ranges the same way.
ip_address(v) := dotted if {
	[[_, dotted]] := regex.find_all_string_submatch_n(ipv4_mapped_dotted, v, 1)
} else := concat(".", [format_int(b, 10) | some b in array.concat(ip_bytes(high), ip_bytes(low))]) if {
	[[_, high, low]] := regex.find_all_string_submatch_n(ipv4_mapped_hex, v, 1)
} else := v

ipv4_mapped_dotted := `^(?i)(?:::|(?:0{1,4}:){5})ffff:([0-9]{1,3}(?:\.[0-9]{1,3}){3})$`

ipv4_mapped_hex := `^(?i)(?:::|(?:0{1,4}:){5})ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$`

ip_bytes(group) := [floor(n / 256), n % 256] if {
	digits := split(lower(group), "")
	n := sum([value |
		some i, d in digits
		value := hex_digits[d] * hex_weights[(count(digits) - 1) - i]
	])
}

hex_digits := {
	"0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
	"8": 8, "9": 9, "a": 10, "b": 11, "c": 12, "d": 13, "e": 14, "f": 15,
}

hex_weights := [1, 16, 256, 4096]

# --- request value coercion -------------------------------------------------------

number(v) := v if is_number(v)

number(v) := to_number(trim_space(v)) if {
	is_string(v)
	regex.match(`^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$`, v)
}

boolean(v) := v if is_boolean(v)

boolean(v) if {
	is_string(v)
	lower(v) == "true"
}

boolean(v) := false if {
	is_string(v)
	lower(v) == "false"
}

expected_string(expected, _, _) := expected.s

expected_string(expected, req, env) := context.resolve_string(expected.tpl, req, env)

expected_regex(expected, _, _) := expected.re

expected_regex(expected, req, env) := context.resolve_regex(expected.tpl, req, env)
