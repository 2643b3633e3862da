package ignore

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Malformed directives suppress nothing and are reported, each by one
// rule: the one it names, or means (a misspelt name), else swallowedcancel.

//cancelcheck:cancellable
func OnMalformed(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	/* // want `//cancelcheck:ignore needs a rule and a reason` */ //cancelcheck:ignore
	if err != nil {                                                // want `the error from Await may be a cancellation`
		log.Print(err)
	}
	_, err = deferred.Await(t, deferred.New[int](nil))
	/* // want `//cancelcheck:ignore swalowedcancel: no rule is named swalowedcancel; did you mean swallowedcancel\?` */ //cancelcheck:ignore swalowedcancel the refresh is best effort
	if err != nil {                                                                                                      // want `the error from Await may be a cancellation`
		log.Print(err)
	}
	_, err = deferred.Await(t, deferred.New[int](nil))
	/* // want `//cancelcheck:ignore the: no rule is named the \(the rules are swallowedcancel, firsterror, shareddeferred, logcontextleak, ctxerrcompare, ctxerrwrap, ctxswallow, ctxshared, ctxbackground\)` */ //cancelcheck:ignore the refresh is best effort
	if err != nil {                                                                                                                              // want `the error from Await may be a cancellation`
		log.Print(err)
	}
	// A misspelt firsterror is firsterror's to report.
	_, err = deferred.Await(t, deferred.New[int](nil))
	//cancelcheck:ignore frsterror the refresh is best effort
	if err != nil { // want `the error from Await may be a cancellation`
		log.Print(err)
	}
	return nil
}

// A misspelt directive does not make an entry point.
//
/* // want `unknown directive //cancelcheck:cancelable; did you mean //cancelcheck:cancellable\?` */ //cancelcheck:cancelable
func OnMisspelt(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil {
		log.Print(err)
	}
	return nil
}

// An entry-point directive works only in a function declaration's doc
// comment.
//
/* // want `//cancelcheck:cancellable marks nothing here: it belongs in the doc comment of a function or method declaration` */ //cancelcheck:cancellable
var OnVar = func(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil {
		log.Print(err)
	}
	return nil
}
