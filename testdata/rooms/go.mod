module example.com/rooms

go 1.26.0

require github.com/cancelcheck/cancelcheck v0.0.0

replace github.com/cancelcheck/cancelcheck => ../..
