package diff.conflict_error

# For a GET both definitions apply and disagree: eval_conflict_error.
mode := "read" if input.attributes.request.http.method == "GET"

mode := "any" if count(input.attributes.request.http.headers) > 2

safe := "ok"
