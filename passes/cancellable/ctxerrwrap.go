package cancellable

import (
	"go/token"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

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
			if !c.passed || t.f.ruledOut(t, cutBlock(c)) {
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

// cutBlock is the block where a cut is made, or nil.
func cutBlock(c cut) *ssa.BasicBlock {
	if c.call != nil {
		return c.call.Block()
	}
	if instr, ok := c.at.(ssa.Instruction); ok {
		return instr.Block()
	}
	return nil
}

// ruledOut reports whether, in block b, the error that t follows is known
// to hold no context error: b is reached only when a correct test of it
// has said so, a helper whose summary says it sees through wrappers
// (common.IsCancellationError(err) false), or errors.Is of it with both
// context.Canceled and context.DeadlineExceeded false. A switch that
// handles the cancellation in its first cases and wraps the error in a
// later one cuts nothing (spicedb's watch).
func (f *Func) ruledOut(t *taint, b *ssa.BasicBlock) bool {
	var canceled, deadline bool
	for at := b; at != nil && at.Idom() != nil; at = at.Idom() {
		d := at.Idom()
		ifi, ok := d.Instrs[len(d.Instrs)-1].(*ssa.If)
		if !ok || d.Succs[0] == d.Succs[1] {
			continue
		}
		// The branch taken when the test is false, and whether it is the
		// only way into b.
		cond, falseSucc := ifi.Cond, d.Succs[1]
		if u, ok := cond.(*ssa.UnOp); ok && u.Op == token.NOT {
			cond, falseSucc = u.X, d.Succs[0]
		}
		if !falseSucc.Dominates(b) {
			continue
		}
		call, ok := cond.(*ssa.Call)
		if !ok {
			continue
		}
		if pt, _, ok := f.helperTest(call, t.tainted, true); ok && pt.Correct {
			return true
		}
		callee := f.Callee(call.Common())
		if !cancelmodel.IsErrorsIs(callee.Func) || len(call.Call.Args) != 2 || !t.tainted(call.Call.Args[0]) {
			continue
		}
		switch name, _ := f.contextSentinel(call.Call.Args[1]); name {
		case "context.Canceled":
			canceled = true
		case "context.DeadlineExceeded":
			deadline = true
		}
	}
	return canceled && deadline
}
