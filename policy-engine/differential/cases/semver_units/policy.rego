package diff.semver_units

headers := input.attributes.request.http.headers

version := headers["x-api-version"]

valid_version := semver.is_valid(version)

newer if semver.compare(version, "2.0.0") >= 0

compare := semver.compare(version, "1.9.9") if valid_version

size_bytes := units.parse_bytes(headers["x-request-size"])

too_big if size_bytes > 10 * 1000 * 1000

units_out := [units.parse("10m"), units.parse("1.5Gi"), units.parse_bytes("512K")]
