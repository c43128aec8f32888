# METADATA
# title: dates
# description: |
#   Date condition values in epoch seconds. ISO 8601 is parsed here, with calendar
#   arithmetic, because the WebAssembly target has no time built-ins.
package keycard.dates

# epoch converts a number, a numeric string or an ISO 8601 date-time to epoch seconds.
epoch(v) := v if is_number(v)

epoch(v) := to_number(v) if {
	is_string(v)
	regex.match(`^-?[0-9]+(\.[0-9]+)?$`, v)
}

epoch(v) := seconds if {
	is_string(v)
	some m in regex.find_all_string_submatch_n(iso8601, v, 1)
	days := days_from_civil(to_number(m[1]), to_number(m[2]), to_number(m[3]))
	time_of_day := ((or_zero(m[4]) * 3600) + (or_zero(m[5]) * 60)) + or_zero(m[6])
	seconds := (((days * 86400) + time_of_day) + fraction(m[7])) - offset(m[8])
}

iso8601 := concat("", [
	`^([0-9]{4})-([0-9]{2})-([0-9]{2})`,
	`(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?)?`,
	`([Zz]|[+-][0-9]{2}:?[0-9]{2})?$`,
])

or_zero("") := 0

or_zero(s) := to_number(s) if s != ""

fraction("") := 0

fraction(s) := to_number(concat("", ["0.", s])) if s != ""

offset("") := 0

offset(z) := 0 if lower(z) == "z"

offset(z) := sign * ((to_number(substring(digits, 0, 2)) * 3600) + (to_number(substring(digits, 2, 2)) * 60)) if {
	count(z) > 1
	sign := {"+": 1, "-": -1}[substring(z, 0, 1)]
	digits := replace(substring(z, 1, -1), ":", "")
}

# Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
days_from_civil(y, m, d) := days if {
	shifted_year := y - january_or_february(m)
	era := floor(shifted_year / 400)
	yoe := shifted_year - (era * 400)
	day_of_year := (floor(((153 * ((m + 9) % 12)) + 2) / 5) + d) - 1
	day_of_era := ((yoe * 365) + (floor(yoe / 4) - floor(yoe / 100))) + day_of_year
	days := ((era * 146097) + day_of_era) - 719468
}

january_or_february(m) := 1 if m <= 2

january_or_february(m) := 0 if m > 2
