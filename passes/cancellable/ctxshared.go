package cancellable

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

func init() {
	detectors = append(detectors, detectCtxShared)
}

// detectCtxShared finds work shared by concurrent callers that runs under
// one caller's context (ctxshared): a closure given to singleflight's
// Group.Do or DoChan, to a look-alike of them, or to sync.Once.Do
// (cancelmodel.SharedCall), that works under or waits on a context of the
// calling function: one of its parameters, or a context derived from one
// (WithValue, WithTimeout, a request's Context()), captured directly or
// through variables and enclosing closures. When that caller's context
// ends, every caller waiting for the shared call gets its cancellation.
// A context made with context.WithoutCancel or context.Background, or
// kept by the receiver (a server's own), is not one caller's: silent.
func detectCtxShared(f *Func) {
	if !f.s.context || f.inTestFile() {
		return
	}
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok || !call.Pos().IsValid() {
				continue
			}
			c := call.Common()
			callee := f.Callee(c)
			k, what, ok := cancelmodel.SharedCall(callee.Func)
			if !ok {
				continue
			}
			args := callee.CallArgs(c)
			if callee.Recv && len(args) > 0 {
				args = args[1:]
			}
			if k >= len(args) {
				continue
			}
			mc, ok := unconvert(args[k]).(*ssa.MakeClosure)
			if !ok {
				continue
			}
			f.checkSharedClosure(call, mc, what)
		}
	}
}

// checkSharedClosure reports the closure given to a shared call when it
// uses a context of one caller.
func (f *Func) checkSharedClosure(call *ssa.Call, mc *ssa.MakeClosure, what string) {
	cl := f.s.byFunc[mc.Fn.(*ssa.Function)]
	if cl == nil {
		return
	}
	for k, b := range mc.Bindings {
		if k >= len(cl.SSA.FreeVars) || !holdsContext(b.Type()) && !holdsContext(deref(b.Type())) {
			continue
		}
		w := newCtxWalk()
		if cl.incomingUses(cl.SSA.FreeVars[k], w) == 0 {
			continue
		}
		roots := slices.DeleteFunc(f.ctxRoots(b, mc), func(r ctxRoot) bool { return !f.s.perCaller(r, 0) })
		if len(roots) == 0 {
			continue
		}
		name := cl.SSA.FreeVars[k].Name()
		pos := f.s.callStart(call.Pos())
		f.reportShared(pos, what, name, roots[0], w.pos, f.sharedFix(cl, name, b))
		return
	}
}

// reportShared adds a ctxshared problem at pos, the shared call.
func (f *Func) reportShared(pos token.Pos, what, name string, root ctxRoot, use token.Pos, fixes []analysis.SuggestedFix) {
	msg := fmt.Sprintf("the function given to %s works under the caller's %s; give it context.WithoutCancel(%s) and a timeout of its own", what, name, name)
	var why string
	if what == "sync.Once.Do" {
		why = fmt.Sprintf("%s runs it once, for every caller: if the context of the caller that runs it ends (a client gone, a short deadline), the one run fails for all of them, for good", what)
	} else {
		why = fmt.Sprintf("%s runs it once for every concurrent caller with the same key, and hands each the one result: when the context of the caller that started it ends (a client gone, a short deadline), every waiter gets its cancellation, and a waiter that retries starts it again under another caller's context", what)
	}
	if root.fn != f {
		why += fmt.Sprintf(" (%s comes from %s)", name, root.fn.Name())
	}
	why += "; context.WithoutCancel keeps the context's values without its cancellation"
	path := f.rootPath(root)
	if !pos.IsValid() || f.s.dirs.ignored(f.s.pass.Fset, CtxShared, pos) {
		return
	}
	f.latent = append(f.latent, latent{
		Problem: Problem{Rule: CtxShared, Pos: f.s.pass.Fset.Position(pos).String(), Reason: msg, Why: why, Fixable: len(fixes) > 0, Path: path[len(path)-1:]},
		pos:     pos,
		local:   true,
		fixes:   fixes,
		notes:   useNote(use, name, "the shared function"),
	})
}

// useNote is the note of a finding that says where work uses the
// context: "ctx is used here, in the goroutine".
func useNote(pos token.Pos, name, where string) []analysis.RelatedInformation {
	if !pos.IsValid() {
		return nil
	}
	return []analysis.RelatedInformation{{Pos: pos, Message: fmt.Sprintf("%s is used here, in %s", name, where)}}
}

// sharedFix suggests, as the first statements of the shared closure,
//
//	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
//	defer cancel()
//
// when the closure captures a context.Context variable, declares neither
// name itself and refers to no cancel from outside. The minute is a
// placeholder for the shared work's own timeout, said in the fix's
// message.
func (f *Func) sharedFix(cl *Func, name string, binding ssa.Value) []analysis.SuggestedFix {
	if !isContextInterface(deref(binding.Type())) || name == "cancel" {
		return nil
	}
	return f.shadowFix(cl.SSA, name,
		"%[1]s, cancel := %[2]s.WithTimeout(%[2]s.WithoutCancel(%[1]s), %[3]s.Minute)\ndefer cancel()\n",
		"Run the shared work under context.WithoutCancel, with a timeout of its own (one minute: adjust it)",
		[]string{"cancel"}, "time")
}

// perCaller reports whether a root's context may be one caller's: a
// request's, or a parameter of a function that a caller outside this
// package, or a closure's caller, may give its own context. A parameter
// of an unexported function that every call in the package gives a
// context of no caller (a field of the receiver, Background) is not:
// the work runs under that context for everybody.
func (s *state) perCaller(r ctxRoot, depth int) bool {
	if r.request != "" || depth > 3 {
		return true
	}
	fn := r.fn.SSA
	obj, _ := fn.Object().(*types.Func)
	if fn.Parent() != nil || obj == nil || obj.Exported() {
		return true
	}
	sites, complete := s.callSites(fn)
	if !complete || len(sites) == 0 {
		return true
	}
	for _, site := range sites {
		c := site.call.Common()
		callee := site.f.Callee(c)
		args := callee.CallArgs(c)
		if callee.Recv && len(args) > 0 {
			args = args[1:]
		}
		if r.param >= len(args) || args[r.param] == nil {
			return true
		}
		for _, rr := range site.f.ctxRoots(args[r.param], site.call) {
			if s.perCaller(rr, depth+1) {
				return true
			}
		}
	}
	return false
}

// A callSite is a call of a function of this package, in the function
// that makes it.
type callSite struct {
	f    *Func
	call ssa.CallInstruction
}

// callSites returns the calls of fn in the package, and whether they are
// all its calls: fn is referred to only as the callee of static calls,
// and, for a method, no call through an interface names a method of its
// name.
func (s *state) callSites(fn *ssa.Function) ([]callSite, bool) {
	var sites []callSite
	var ops []*ssa.Value
	method := fn.Signature.Recv() != nil
	for _, f := range s.funcs {
		for _, b := range f.SSA.Blocks {
			for _, instr := range b.Instrs {
				call, isCall := instr.(ssa.CallInstruction)
				if isCall && method && call.Common().IsInvoke() && call.Common().Method.Name() == fn.Name() {
					return nil, false
				}
				ops = instr.Operands(ops[:0])
				for i, op := range ops {
					var g *ssa.Function
					switch v := (*op).(type) {
					case *ssa.Function:
						g = s.localFunc(v)
					case *ssa.MakeClosure:
						g = s.localFunc(v.Fn.(*ssa.Function))
					}
					if g != fn {
						continue
					}
					// The callee of a call is its first operand.
					if _, static := (*op).(*ssa.Function); !isCall || i != 0 || !static || call.Common().IsInvoke() {
						return nil, false
					}
					sites = append(sites, callSite{f, call})
				}
			}
		}
	}
	return sites, true
}
