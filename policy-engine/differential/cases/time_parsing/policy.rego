package diff.time_parsing

t := time.parse_rfc3339_ns(input.attributes.request.time)

out := {
	"ns": t,
	"date": time.date(t),
	"clock": time.clock(t),
	"weekday": time.weekday(t),
	"date_tz": time.date([t, "America/New_York"]),
	"add": time.add_date(t, 0, 1, 1),
	"format": time.format([t, "UTC", "2006-01-02T15:04:05Z07:00"]),
	"parse": time.parse_ns("2006-01-02", "2024-03-10"),
	"diff": time.diff(t, time.parse_rfc3339_ns("2020-01-01T00:00:00Z")),
	"duration": time.parse_duration_ns("1h30m15.5s"),
}

business_hours if {
	[h, _, _] := time.clock([t, "UTC"])
	h >= 9
	h < 17
}
