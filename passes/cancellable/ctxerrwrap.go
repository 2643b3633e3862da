package cancellable

import "go/token"

// detectCtxErrWrap finds context errors passed on in a form that no
// longer holds them (ctxerrwrap): formatted with a verb other than %w,
// rebuilt from their message, put into an error type that has neither
// Unwrap nor Is, or handed to a helper that does one of those, when the
// new error is passed on. Callers' errors.Is(err, context.Canceled) then
// fails: a cancelled request is answered 500, logged as a failure,
// retried.
func detectCtxErrWrap(f *Func) {
	if !f.s.context || f.inTestFile() {
		return
	}
	seen := make(map[token.Pos]bool)
	for _, t := range f.flows() {
		if t.src.flags&Ctx == 0 || t.src.hypothetical {
			continue
		}
		for _, c := range t.cuts {
			if !c.passed {
				continue
			}
			pos, fix := f.cutSite(c)
			if seen[pos] {
				continue
			}
			seen[pos] = true
			f.Report(CtxErrWrap, pos, cutReason(t.f, c, "context.Canceled")+f.fromWhere(t.src.value), fixes(fix)...)
		}
	}
}
