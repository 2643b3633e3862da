package cancellable

import (
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// This file handles helpers that call a function they are given, such as
// retry[T](f func() (T, error)) that calls f again after any failure: the
// helper swallows a cancellation only if f may fail with one, which its
// callers know. The error of a call of a function parameter is a source
// of its own kind (hypothetical), and what the detectors find on it
// becomes a ParamProblem of the helper's summary; a caller that passes a
// function whose error may be a cancellation (of the kind the problem
// needs) gets the problem, with the helper on its call path.

// A ParamProblem is a problem a function has when the function passed as
// its parameter Param fails with an error carrying Needs (Cancel, or Ctx).
type ParamProblem struct {
	Param int
	Needs Flags
	Problem
}

// paramSources lists the calls of the function's function parameters that
// return an error: hypothetical sources.
func (f *Func) paramSources() []*source {
	var out []*source
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok || call.Call.IsInvoke() {
				continue
			}
			p := f.param(call.Call.Value)
			if p < 0 {
				continue
			}
			results := call.Call.Signature().Results()
			for i := 0; i < results.Len(); i++ {
				if cancelmodel.IsError(results.At(i).Type()) {
					out = append(out, &source{fn: f.SSA, instr: call, value: result(call, i), from: f.paramName(p),
						flags: Cancel | CtxAny | Wrapped, hypothetical: true, param: p})
				}
			}
		}
	}
	return out
}

// paramName names parameter i (receiver excluded), for messages.
func (f *Func) paramName(i int) string {
	params := f.SSA.Params
	if f.SSA.Signature.Recv() != nil {
		params = params[1:]
	}
	if i < len(params) && params[i].Name() != "" && params[i].Name() != "_" {
		return params[i].Name()
	}
	return "the function it is given"
}

// reportParam records a problem found on a hypothetical source: the
// function has it when its parameter fails with an error carrying needs.
func (f *Func) reportParam(src *source, needs Flags, rule string, pos token.Pos, reason string) {
	n := len(f.latent)
	f.Report(rule, pos, reason)
	if len(f.latent) == n {
		return // suppressed
	}
	l := f.latent[n]
	f.latent = f.latent[:n]
	f.paramProblems = append(f.paramProblems, paramLatent{ParamProblem{Param: src.param, Needs: needs, Problem: l.Problem}, l})
	f.Summary.ParamProblems = append(f.Summary.ParamProblems, ParamProblem{Param: src.param, Needs: needs, Problem: l.Problem})
}

// A paramLatent is a ParamProblem as this pass holds it, with where it is.
type paramLatent struct {
	ParamProblem
	l latent
}

// inheritParamProblems gives the caller the callee's problems that the
// function values it passes trigger: a function whose error result may
// carry what the problem needs. A function parameter of the caller passed
// on makes the problem the caller's own ParamProblem.
func (f *Func) inheritParamProblems(callee Callee, args []ssa.Value, site token.Pos) {
	var problems []paramLatent
	switch {
	case callee.Local != nil:
		problems = callee.Local.paramProblems
	case callee.Summary != nil:
		for _, p := range callee.Summary.ParamProblems {
			problems = append(problems, paramLatent{ParamProblem: p, l: latent{Problem: p.Problem, pos: site}})
		}
	}
	for _, p := range problems {
		if p.Param >= len(args) || isContextRule(p.Rule) && f.inTestFile() {
			continue // the context rules leave tests alone
		}
		arg := args[p.Param]
		if q := f.param(arg); q >= 0 {
			l := p.l
			l.Path = prepend(f.stepAt(site), l.Path)
			f.paramProblems = append(f.paramProblems, paramLatent{ParamProblem{Param: q, Needs: p.Needs, Problem: l.Problem}, l})
			f.Summary.ParamProblems = append(f.Summary.ParamProblems, ParamProblem{Param: q, Needs: p.Needs, Problem: l.Problem})
			continue
		}
		if f.funcErrorFlags(arg)&p.Needs == 0 {
			continue
		}
		l := p.l
		l.Path = prepend(f.stepAt(site), l.Path)
		if callee.Local == nil {
			l.local, l.pos, l.fixes = false, f.s.callStart(site), nil
		}
		f.latent = append(f.latent, l)
	}
}

// funcErrorFlags returns what the error result of a function value may
// carry: its summary's flags for its last error result.
func (f *Func) funcErrorFlags(v ssa.Value) Flags {
	callee := f.FuncValue(v)
	if !callee.Resolved() {
		if members, _ := f.funcValues(v, make(map[ssa.Value]bool)); len(members) > 0 {
			callee = join("", nil, false, members)
		}
	}
	sig, ok := v.Type().Underlying().(*types.Signature)
	if !ok || callee.Summary == nil {
		return 0
	}
	var fl Flags
	for i := 0; i < sig.Results().Len(); i++ {
		if cancelmodel.IsError(sig.Results().At(i).Type()) {
			fl |= callee.Summary.Result(i)
		}
	}
	return fl
}
