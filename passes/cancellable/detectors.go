package cancellable

// A detector finds one rule's problems in one function's own code (with
// Func.Report) and records the result flags that rule's callers rely on
// (with Func.SetResult). It runs once per function and per fixed-point
// round, after the function's calls have been scanned and before its
// summary is normalised, so it sees its callees' summaries (Func.Callee)
// but not its own problems.
//
// To add a rule: write its detector in a file of this package named after
// the rule, add it here, and create passes/<rule> with NewRule.
var detectors = []func(*Func){
	(*Func).resultFlags,
	(*Func).readsParams,
	(*Func).makes,
	detectSwallowedCancel,
	detectDeferredOverride,
	detectDeferredWork,
	detectFirstError,
	detectCtxErrCompare,
	detectCtxErrWrap,
	detectCtxSwallow,
}
