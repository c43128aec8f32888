package keycard.dates_test

import data.keycard.dates

test_number_is_already_epoch_seconds if {
	dates.epoch(1700000000) == 1700000000
	dates.epoch(1.5) == 1.5
}

test_numeric_string_is_epoch_seconds if {
	dates.epoch("1700000000") == 1700000000
	dates.epoch("1700000000.25") == 1700000000.25
	dates.epoch("-5") == -5
}

test_date_only_is_midnight_utc if {
	dates.epoch("1970-01-01") == 0
	dates.epoch("2020-01-01") == 1577836800
}

test_date_time_in_utc if {
	dates.epoch("2020-01-01T10:00:00Z") == 1577872800
	dates.epoch("2020-01-01t10:00:00z") == 1577872800
	dates.epoch("2020-01-01 10:00:00Z") == 1577872800
}

test_date_time_without_zone_is_utc if {
	dates.epoch("2020-01-01T10:00:00") == 1577872800
}

test_date_time_without_seconds if {
	dates.epoch("2020-01-01T10:00Z") == 1577872800
	dates.epoch("2020-01-01T10:30") == 1577874600
}

test_fractional_seconds_keep_every_digit if {
	dates.epoch("2020-01-01T10:00:00.5Z") == 1577872800.5
	dates.epoch("2020-01-01T10:00:00.123456Z") == 1577872800.123456
}

test_positive_offset_is_ahead_of_utc if {
	# 10:00 at +05:30 is 04:30 UTC.
	dates.epoch("2020-01-01T10:00:00+05:30") == 1577853000
	dates.epoch("2020-01-01T10:00:00+0530") == 1577853000
}

test_negative_offset_is_behind_utc if {
	# 10:00 at -08:00 is 18:00 UTC.
	dates.epoch("2020-01-01T10:00:00-08:00") == 1577901600
}

test_offset_can_cross_midnight if {
	dates.epoch("2020-01-01T01:00:00+02:00") == dates.epoch("2019-12-31T23:00:00Z")
}

test_leap_day if {
	dates.epoch("2024-02-29T00:00:00Z") == 1709164800
	dates.epoch("2024-03-01") - dates.epoch("2024-02-28") == 2 * 86400
	dates.epoch("2023-03-01") - dates.epoch("2023-02-28") == 86400
}

test_century_rules if {
	# 2000 is a leap year (divisible by 400), 2100 is not.
	dates.epoch("2000-03-01") - dates.epoch("2000-02-28") == 2 * 86400
	dates.epoch("2100-03-01") - dates.epoch("2100-02-28") == 86400
	dates.epoch("2100-01-01") == 4102444800
}

test_before_the_epoch if {
	dates.epoch("1969-12-31T23:59:59Z") == -1
	dates.epoch("1900-01-01") == -2208988800
}

test_every_month_start if {
	starts := [dates.epoch(sprintf("2021-%02d-01", [m])) | some m in numbers.range(1, 12)]
	starts == [
		1609459200, 1612137600, 1614556800, 1617235200, 1619827200, 1622505600,
		1625097600, 1627776000, 1630454400, 1633046400, 1635724800, 1638316800,
	]
}

test_not_a_date_is_undefined if {
	not dates.epoch("yesterday")
	not dates.epoch("2020-1-1")
	not dates.epoch("2020-01-01T10")
	not dates.epoch("2020-01-01T10:00:00+5")
	not dates.epoch(true)
	not dates.epoch(["2020-01-01"])
}

test_days_from_civil if {
	dates.days_from_civil(1970, 1, 1) == 0
	dates.days_from_civil(1970, 2, 1) == 31
	dates.days_from_civil(1970, 3, 1) == 59
	dates.days_from_civil(1969, 12, 31) == -1
}
