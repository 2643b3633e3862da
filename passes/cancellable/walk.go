package cancellable

import (
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// What a path knows about the source's value.
type pathMode uint8

const (
	modeMaybe  pathMode = iota // may be nil, may be a cancellation
	modeNonNil                 // not nil, may be a cancellation
	modeCancel                 // a cancellation: errors.Is said so
)

// pathState is a path's knowledge of the source, and the branch that took
// the error in (where a re-raise goes).
type pathState struct {
	mode    pathMode
	handler *ssa.If
	branch  int // the handler's successor that the path took
}

// How a swallowing path goes on normally.
type eventKind uint8

const (
	eventReturn eventKind = iota + 1 // returns normally
	eventRetry                       // goes round a loop and makes the same call again
	eventGoesOn                      // goes on to wait on something else
)

// A swallow is a path on which a possible cancellation is dropped and the
// function goes on normally.
type swallow struct {
	event eventKind
	at    ssa.Instruction // the return, the repeated call, the next wait
	state pathState
}

// walk looks for a path from the source to a normal continuation on which
// the error is neither propagated nor ruled out as a cancellation (by a
// nil check, or a test for another error), and returns the first one, in
// a deterministic order, or nil.
func (t *taint) walk() *swallow {
	fn := t.src.fn
	if len(fn.Blocks) == 0 {
		return nil
	}
	type item struct {
		b  *ssa.BasicBlock
		i  int
		st pathState
	}
	var stack []item
	visited := make(map[[2]int]bool)
	push := func(b *ssa.BasicBlock, st *pathState) {
		if st == nil {
			return // the path is ruled out
		}
		k := [2]int{b.Index, int(st.mode)}
		if !visited[k] {
			visited[k] = true
			stack = append(stack, item{b, 0, *st})
		}
	}
	if t.src.instr != nil {
		b := t.src.instr.Block()
		for i, instr := range b.Instrs {
			if instr == t.src.instr {
				stack = append(stack, item{b, i + 1, pathState{}})
			}
		}
	} else {
		stack = append(stack, item{fn.Blocks[0], 0, pathState{}})
	}
path:
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for i := it.i; i < len(it.b.Instrs); i++ {
			instr := it.b.Instrs[i]
			if instr == t.src.instr {
				if _, isCall := instr.(*ssa.Call); isCall {
					return &swallow{eventRetry, instr, it.st}
				}
				continue path // the next round reads another result (r.Err)
			}
			if t.uses[instr] == usePropagate {
				continue path
			}
			switch instr := instr.(type) {
			case *ssa.Return:
				if t.normalReturn(instr) {
					return &swallow{eventReturn, instr, it.st}
				}
				continue path
			case *ssa.Panic:
				continue path
			case *ssa.Call:
				callee := t.f.Callee(instr.Common())
				if callee.Func != nil && cancelmodel.NoReturn(callee.Func) {
					continue path
				}
				if t.suspends(callee) && !t.liveAfter(it.b, i) {
					return &swallow{eventGoesOn, instr, it.st}
				}
			case *ssa.If:
				yes, no := t.refine(instr, it.st)
				push(instr.Block().Succs[1], no)
				push(instr.Block().Succs[0], yes)
				continue path
			case *ssa.Jump:
				push(instr.Block().Succs[0], &it.st)
				continue path
			}
		}
	}
	return nil
}

// suspends reports whether a call waits: Await, or a callee that suspends.
func (t *taint) suspends(callee Callee) bool {
	if _, ok := cancelmodel.AwaitErrorResult(callee.Func); ok {
		return true
	}
	return callee.Summary != nil && callee.Summary.Suspends
}

// liveAfter reports whether the source may still be used after
// instruction i of block b: then dropping it is not final yet.
func (t *taint) liveAfter(b *ssa.BasicBlock, i int) bool {
	used := func(instr ssa.Instruction) bool {
		_, phi := instr.(*ssa.Phi)
		return t.uses[instr] != 0 && !phi
	}
	for _, instr := range b.Instrs[i+1:] {
		if used(instr) {
			return true
		}
	}
	seen := make(map[*ssa.BasicBlock]bool)
	work := append([]*ssa.BasicBlock(nil), b.Succs...)
	for len(work) > 0 {
		blk := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[blk] {
			continue
		}
		seen[blk] = true
		for _, instr := range blk.Instrs {
			if used(instr) {
				return true
			}
		}
		work = append(work, blk.Succs...)
	}
	return false
}

// normalReturn reports whether a return goes on as if nothing failed: no
// error result is a failure (an error that is never nil: errors.New, a
// sentinel, a concrete error), and no Deferred result is made to fail.
// An error result that may be nil — nil itself, or the error of another
// call, such as deferredhttp.JSON's — goes on normally: the cancellation
// is lost either way.
func (t *taint) normalReturn(ret *ssa.Return) bool {
	results := t.src.fn.Signature.Results()
	for i, v := range ret.Results {
		if i >= results.Len() {
			break
		}
		switch typ := results.At(i).Type(); {
		case cancelmodel.IsError(typ):
			if t.f.failure(v, make(map[ssa.Value]bool)) {
				return false
			}
		case cancelmodel.IsDeferredType(typ):
			if call, ok := v.(*ssa.Call); ok {
				if name, _ := cancelmodel.Name(t.f.Callee(call.Common()).Func); name == "Fail" {
					return false
				}
			}
		}
	}
	return true
}

// refine returns what each branch of an If knows about the source; nil
// rules a branch out (the error is nil there, or another error, or the
// test is a cancellation check that firsterror judges).
func (t *taint) refine(ifi *ssa.If, st pathState) (yes, no *pathState) {
	nonNil := func(branch int) *pathState {
		s := st
		if s.mode == modeMaybe {
			s.mode = modeNonNil
		}
		if s.handler == nil {
			s.handler, s.branch = ifi, branch
		}
		return &s
	}
	cancel := func(branch int) *pathState {
		s := st
		s.mode = modeCancel
		if s.handler == nil {
			s.handler, s.branch = ifi, branch
		}
		return &s
	}
	same := &st
	switch cond := ifi.Cond.(type) {
	case *ssa.UnOp:
		if cond.Op == notOp {
			inner := &ssa.If{Cond: cond.X}
			y, n := t.refine(inner, st)
			// The handler is this If, with its branches swapped.
			fix := func(s *pathState, branch int) *pathState {
				if s != nil && s.handler == inner {
					s.handler, s.branch = ifi, branch
				}
				return s
			}
			return fix(n, 0), fix(y, 1)
		}
	case *ssa.BinOp:
		if cond.Op != eqlOp && cond.Op != neqOp {
			break
		}
		x, y := cond.X, cond.Y
		if !t.tainted(x) && !t.errorText(x) {
			x, y = y, x
		}
		var eq, ne *pathState // what == and != tell
		switch {
		case t.tainted(x) && isNil(y):
			eq, ne = nil, nonNil(-1)
		case t.tainted(x) && loadsErrCancelled(y):
			eq, ne = nil, nil // a broken cancellation check: firsterror's
		case t.tainted(x):
			eq, ne = nil, same // another error
		case t.errorText(x):
			if _, ok := cancelMessage(y); ok {
				eq, ne = nil, nil // a broken cancellation check: firsterror's
			} else {
				eq, ne = nil, same
			}
		default:
			return same, same
		}
		if cond.Op == eqlOp {
			return t.branchOf(eq, 0, ifi), t.branchOf(ne, 1, ifi)
		}
		return t.branchOf(ne, 0, ifi), t.branchOf(eq, 1, ifi)
	case *ssa.Call:
		if t.f.kindTested(cond, t) {
			return nil, same // ent.IsNotFound(err): true only for another error
		}
		if pt, _, ok := t.f.helperTest(cond, t.tainted, false); ok {
			if pt.Correct {
				return cancel(0), nil // the helper is errors.Is
			}
			return nil, nil // a helper's broken test: firsterror's
		}
		c := cond.Common()
		callee := t.f.Callee(c)
		switch {
		case callee.Func == nil || len(c.Args) < 2:
		case cancelmodel.IsErrorsIs(callee.Func) && t.tainted(c.Args[0]):
			if loadsErrCancelled(c.Args[1]) {
				return cancel(0), nil
			}
			return nil, same
		case cancelmodel.IsErrorsAs(callee.Func) && t.tainted(c.Args[0]):
			target := asTarget(c.Args[1])
			switch {
			case target == nil || cancelmodel.IsFirstErrorType(target) || types.IsInterface(target):
				return same, same
			case cancelmodel.IsCancelledErrorType(target):
				return cancel(0), nil
			}
			return nil, same
		case isStringTest(callee.Func) && t.errorText(c.Args[0]):
			if s, ok := constString(c.Args[1]); ok && cancelmodel.CancelText(s) {
				return cancel(0), nil
			}
			return nil, same
		}
	case *ssa.Extract:
		ta, ok := cond.Tuple.(*ssa.TypeAssert)
		if !ok || cond.Index != 1 || !t.tainted(ta.X) {
			break
		}
		switch typ := ta.AssertedType; {
		case cancelmodel.IsCancelledErrorType(typ):
			if t.flags[ta.X]&FirstError != 0 {
				return nil, nil // defeated by the wrapper: firsterror's
			}
			return cancel(0), nil
		case cancelmodel.IsFirstErrorType(typ), types.IsInterface(typ):
			return same, same
		}
		return nil, same
	}
	return same, same
}

// branchOf sets the handler branch of a state that nonNil created with
// branch -1, now that the branch is known.
func (t *taint) branchOf(s *pathState, branch int, ifi *ssa.If) *pathState {
	if s != nil && s.handler == ifi && s.branch == -1 {
		c := *s
		c.branch = branch
		return &c
	}
	return s
}

// asTarget returns T for errors.As(err, &t) with t of type T.
func asTarget(v ssa.Value) types.Type {
	for {
		mi, ok := v.(*ssa.MakeInterface)
		if !ok {
			break
		}
		v = mi.X
	}
	p, ok := types.Unalias(v.Type()).(*types.Pointer)
	if !ok {
		return nil
	}
	return p.Elem()
}

// isStringTest reports whether fn tests a string against another:
// strings.Contains, HasPrefix, HasSuffix, EqualFold.
func isStringTest(fn *types.Func) bool {
	switch cancelmodel.FuncName(fn) {
	case "strings.Contains", "strings.HasPrefix", "strings.HasSuffix", "strings.EqualFold":
		return true
	}
	return false
}
