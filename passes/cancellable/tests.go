package cancellable

import (
	"fmt"
	"go/constant"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// This file summarises helpers that test an error for a cancellation,
// such as isCancelled(err error) bool: whether the test they make is one
// that sees through wrappers (errors.Is, errors.As) or one that a wrapper
// defeats (==, a type assertion, a message comparison). A caller treats a
// call of a correct helper as the test itself, and a call of a wrong one as
// a wrong test, named by the helper.

// A ParamTest says that a function's bool result tests its error
// parameter Param for a cancellation.
type ParamTest struct {
	Param   int
	Context bool // a test for a context error; else for the runtime's cancellation
	Correct bool // errors.Is or errors.As: it sees through wrappers
	// What and Pos describe a wrong test: "== deferred.ErrCancelled" at
	// "file:line:col".
	What string
	Pos  string
}

// paramTests records the tests for a cancellation that the function's
// bool results make of error parameter param, whose taint is t.
func (f *Func) paramTests(param int, t *taint) {
	results := f.SSA.Signature.Results()
	for _, b := range f.SSA.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		for i, v := range ret.Results {
			if i >= results.Len() || !types.Identical(results.At(i).Type().Underlying(), types.Typ[types.Bool]) {
				continue
			}
			seen := make(map[ssa.Value]bool)
			tests := f.testsIn(v, t, seen)
			if _, ok := v.(*ssa.Const); ok {
				tests = append(tests, f.branchTests(b, t, seen, make(map[*ssa.BasicBlock]bool))...)
			}
			for _, pt := range tests {
				pt.Param = param
				if !slices.ContainsFunc(f.Summary.Tests, func(q ParamTest) bool {
					return q.Param == pt.Param && q.Context == pt.Context && q.Correct == pt.Correct
				}) {
					f.Summary.Tests = append(f.Summary.Tests, pt)
				}
			}
		}
	}
}

// kindTest records that the function's bool results are true only when
// error parameter param, whose taint is t, is of one kind other than a
// cancellation (see Summary.KindTests).
func (f *Func) kindTest(param int, t *taint) {
	results := f.SSA.Signature.Results()
	if results.Len() != 1 || !types.Identical(results.At(0).Type().Underlying(), types.Typ[types.Bool]) {
		return
	}
	found := false
	for _, b := range f.SSA.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || len(ret.Results) != 1 {
			continue
		}
		k := f.kindOf(ret.Results[0], b, t, make(map[ssa.Value]bool))
		if k == kindOther {
			return
		}
		found = found || k == kindFound
	}
	if found {
		f.Summary.KindTests = append(f.Summary.KindTests, param)
	}
}

// kindTested reports whether call is of a helper whose summary says it
// is true only for errors of one kind other than a cancellation, given an
// error that t follows.
func (f *Func) kindTested(call *ssa.Call, t *taint) bool {
	c := call.Common()
	callee := f.Callee(c)
	if callee.Summary == nil || len(callee.Summary.KindTests) == 0 {
		return false
	}
	for _, k := range paramsGiven(callee, c, t.tainted) {
		if slices.Contains(callee.Summary.KindTests, k) {
			return true
		}
	}
	return false
}

// What a bool value says of an error, for kindTest.
const (
	kindNeutral = iota // a constant, a nil test: nothing of the error's kind
	kindFound          // true only for an error of another kind than a cancellation
	kindOther          // anything else
)

// kindOf says what bool value v, returned in (or flowing from) block b,
// says of the error that t follows. A constant true says what the test
// that leads to b says (if errors.As(err, &e) { return true }); false
// says nothing.
func (f *Func) kindOf(v ssa.Value, b *ssa.BasicBlock, t *taint, seen map[ssa.Value]bool) int {
	switch v := v.(type) {
	case *ssa.Const:
		if v.Value == nil || !constant.BoolVal(v.Value) {
			return kindNeutral
		}
		k := kindNeutral
		for _, p := range b.Preds {
			k = max(k, f.kindReaching(p, b, t, seen))
		}
		return k
	case *ssa.Phi: // a || b, a && b
		if seen[v] {
			return kindNeutral
		}
		seen[v] = true
		k := kindNeutral
		for i, e := range v.Edges {
			if c, ok := e.(*ssa.Const); ok {
				if c.Value != nil && constant.BoolVal(c.Value) {
					k = max(k, f.kindReaching(v.Block().Preds[i], v.Block(), t, seen))
				}
				continue
			}
			k = max(k, f.kindOf(e, v.Block().Preds[i], t, seen))
		}
		return k
	case *ssa.BinOp:
		if v.Op == eqlOp && (t.tainted(v.X) && isNil(v.Y) || t.tainted(v.Y) && isNil(v.X)) {
			return kindNeutral // true only for no error
		}
	case *ssa.Call:
		c := v.Common()
		callee := f.Callee(c)
		switch {
		case cancelmodel.IsErrorsAs(callee.Func) && len(c.Args) == 2 && t.tainted(c.Args[0]):
			target := asTarget(c.Args[1])
			if target != nil && !types.IsInterface(target) && !cancelmodel.IsCancelledErrorType(target) && !cancelmodel.IsFirstErrorType(target) {
				return kindFound
			}
		case cancelmodel.IsErrorsIs(callee.Func) && len(c.Args) == 2 && t.tainted(c.Args[0]):
			if _, ctx := f.contextSentinel(c.Args[1]); !ctx && !loadsErrCancelled(c.Args[1]) && isGlobalLoad(c.Args[1]) {
				return kindFound
			}
		case f.kindTested(v, t):
			return kindFound
		}
	}
	return kindOther
}

// kindReaching is kindOf for a constant true that flows from block p into
// block b: what the test at the end of p says when it leads to b.
func (f *Func) kindReaching(p, b *ssa.BasicBlock, t *taint, seen map[ssa.Value]bool) int {
	ifi, ok := p.Instrs[len(p.Instrs)-1].(*ssa.If)
	if !ok || p.Succs[0] != b {
		return kindOther // reached unconditionally, or when the test is false
	}
	return f.kindOf(ifi.Cond, p, t, seen)
}

// branchTests returns the cancellation tests of the conditions that lead
// to block b, which returns a constant: if a || b { return true } returns
// what a and b test.
func (f *Func) branchTests(b *ssa.BasicBlock, t *taint, seen map[ssa.Value]bool, visited map[*ssa.BasicBlock]bool) []ParamTest {
	if visited[b] {
		return nil
	}
	visited[b] = true
	var out []ParamTest
	for _, p := range b.Preds {
		switch last := p.Instrs[len(p.Instrs)-1].(type) {
		case *ssa.If:
			out = append(out, f.testsIn(last.Cond, t, seen)...)
		case *ssa.Jump:
			if len(p.Instrs) == 1 {
				out = append(out, f.branchTests(p, t, seen, visited)...)
			}
		}
	}
	return out
}

// testsIn returns the cancellation tests of tainted values that a bool
// value is made of.
func (f *Func) testsIn(v ssa.Value, t *taint, seen map[ssa.Value]bool) []ParamTest {
	if seen[v] {
		return nil
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Phi: // a || b, a && b
		var out []ParamTest
		for k, e := range v.Edges {
			out = append(out, f.testsIn(e, t, seen)...)
			// a || b is true, without a value of its own, on the edge
			// from the block where a was: a is the test of the If there.
			if _, ok := e.(*ssa.Const); ok && k < len(v.Block().Preds) {
				pred := v.Block().Preds[k]
				if ifi, ok := pred.Instrs[len(pred.Instrs)-1].(*ssa.If); ok {
					out = append(out, f.testsIn(ifi.Cond, t, seen)...)
				}
			}
		}
		return out
	case *ssa.UnOp:
		if v.Op == notOp {
			return f.testsIn(v.X, t, seen)
		}
	case *ssa.BinOp:
		if v.Op != eqlOp && v.Op != neqOp {
			return nil
		}
		for _, pair := range [2][2]ssa.Value{{v.X, v.Y}, {v.Y, v.X}} {
			x, y := pair[0], pair[1]
			pos := f.s.pass.Fset.Position(v.Pos()).String()
			switch {
			case t.tainted(x) && loadsErrCancelled(y):
				return []ParamTest{{What: v.Op.String() + " deferred.ErrCancelled", Pos: pos}}
			case t.tainted(x):
				if name, ok := f.contextSentinel(y); ok {
					return []ParamTest{{Context: true, What: "err " + v.Op.String() + " " + name, Pos: pos}}
				}
			case t.errorText(x):
				if s, ok := constString(y); ok && cancelmodel.ContextText(s) {
					return []ParamTest{{Context: true, What: fmt.Sprintf("err.Error() %s %q", v.Op, s), Pos: pos}}
				} else if s, ok := cancelMessage(y); ok {
					return []ParamTest{{What: fmt.Sprintf("err.Error() %s %s", v.Op, s), Pos: pos}}
				}
			}
		}
	case *ssa.Extract:
		if ta, ok := v.Tuple.(*ssa.TypeAssert); ok && v.Index == 1 && t.tainted(ta.X) && cancelmodel.IsCancelledErrorType(ta.AssertedType) {
			return []ParamTest{{What: "a type assertion to *deferred.CancelledError", Pos: f.s.pass.Fset.Position(ta.Pos()).String()}}
		}
	case *ssa.Call:
		return f.callTests(v, t)
	}
	return nil
}

// callTests returns the cancellation tests a call makes of tainted
// arguments: errors.Is, errors.As, a message search, or a helper's.
func (f *Func) callTests(call *ssa.Call, t *taint) []ParamTest {
	c := call.Common()
	callee := f.Callee(c)
	args := c.Args
	pos := f.s.pass.Fset.Position(f.s.callStart(call.Pos())).String()
	switch {
	case cancelmodel.IsErrorsIs(callee.Func) && len(args) == 2 && t.tainted(args[0]):
		if loadsErrCancelled(args[1]) {
			return []ParamTest{{Correct: true}}
		}
		if _, ok := f.contextSentinel(args[1]); ok {
			return []ParamTest{{Context: true, Correct: true}}
		}
	case cancelmodel.IsErrorsAs(callee.Func) && len(args) == 2 && t.tainted(args[0]):
		if target := asTarget(args[1]); target != nil && cancelmodel.IsCancelledErrorType(target) {
			return []ParamTest{{Correct: true}}
		}
	case isStringTest(callee.Func) && len(args) == 2 && t.errorText(args[0]):
		if s, ok := constString(args[1]); ok && cancelmodel.ContextText(s) {
			return []ParamTest{{Context: true, What: fmt.Sprintf("%s(err.Error(), %q)", cancelmodel.FuncName(callee.Func), s), Pos: pos}}
		}
	default:
		var out []ParamTest
		for _, k := range paramsGiven(callee, c, t.tainted) {
			for _, pt := range callee.Summary.paramTests(k) {
				if !pt.Correct && pt.What != "" {
					pt.What = fmt.Sprintf("%s (through %s)", pt.What, callee.Name)
				}
				out = append(out, pt)
			}
		}
		return out
	}
	return nil
}

// paramTests returns the tests a summary says its function makes of
// parameter i.
func (s *Summary) paramTests(i int) []ParamTest {
	if s == nil {
		return nil
	}
	var out []ParamTest
	for _, pt := range s.Tests {
		if pt.Param == i {
			out = append(out, pt)
		}
	}
	return out
}

// helperTest returns the test that a call of a helper makes of the error it
// is given, of the kind asked for (a context error's, or the runtime's
// cancellation), when the helper's summary says it makes one.
func (f *Func) helperTest(call *ssa.Call, arg func(ssa.Value) bool, context bool) (ParamTest, Callee, bool) {
	c := call.Common()
	callee := f.Callee(c)
	if callee.Summary == nil || len(callee.Summary.Tests) == 0 {
		return ParamTest{}, callee, false
	}
	for _, k := range paramsGiven(callee, c, arg) {
		for _, pt := range callee.Summary.paramTests(k) {
			if pt.Context == context {
				return pt, callee, true
			}
		}
	}
	return ParamTest{}, callee, false
}

// paramsGiven returns the indexes (receiver excluded, as summaries count
// them) of the callee's parameters to which call c hands a value that arg
// accepts.
func paramsGiven(callee Callee, c *ssa.CallCommon, arg func(ssa.Value) bool) []int {
	var out []int
	for k, a := range callee.CallArgs(c) {
		if !arg(a) {
			continue
		}
		if callee.Recv {
			k--
		}
		out = append(out, k)
	}
	return out
}
