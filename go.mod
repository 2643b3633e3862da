module github.com/cancelcheck/cancelcheck

go 1.26
