package cancellable

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Summary is the fact that cancellable exports for a function or method
// whose behaviour under cancellation matters to its callers. Functions with
// nothing to say (the zero Summary) get no fact.
//
// A Summary is computed bottom-up from the function's SSA form and the
// Summaries of its callees, including callees in other packages. It is
// gob-encoded into the analysis fact files, so all its fields are exported
// and its contents are deterministic: slices are sorted, capped and free of
// duplicates.
type Summary struct {
	// Suspends reports whether the function may suspend its async
	// function: it calls Await, directly or through a callee that runs on
	// the same coroutine.
	Suspends bool

	// Results holds what each result may carry, by index; trailing zero
	// entries are trimmed (a function with no interesting result has none).
	Results []Flags

	// RunsParams lists the parameters (by index, receiver excluded) that
	// hold functions the function runs in its own call tree: it calls them,
	// starts them with Run, or passes them to a callee that runs them.
	RunsParams []int

	// ReadsParams lists the error parameters (by index, receiver excluded)
	// that the function only reads (logs, tests, prints) and never passes
	// on: handing a cancellation to it does not propagate it.
	ReadsParams []int

	// ParamErrs says what the function does with its error parameters
	// that reach its error results: passes them on (wrapped or not), or
	// cuts them out of the chain. A call of it carries, or cuts, what the
	// caller hands it.
	ParamErrs []ParamErr

	// Tests lists the tests for a cancellation that the function's bool
	// results make of its error parameters (isCancelled(err) bool).
	Tests []ParamTest

	// KindTests lists the error parameters (by index, receiver excluded)
	// for which the function's bool result is true only when the error is
	// of one kind other than a cancellation: errors.As to a concrete type,
	// errors.Is with a sentinel of its own (ent's IsNotFound). A branch
	// taken when it is true is never taken for a cancellation.
	KindTests []int

	// Origins says, for the error results that may carry a context error,
	// where it comes from (at most one per result).
	Origins []Origin

	// ParamProblems are the problems the function has when a function it
	// is given fails with a cancellation (a retry helper that calls it
	// again after any failure).
	ParamProblems []ParamProblem

	// Dynamic lists the calls through interfaces in the function's call
	// tree that its package could not resolve (no implementation in
	// sight), with their paths: bound where the implementation is (see
	// latebind.go).
	Dynamic []DynCall

	// Makes lists the concrete types the function returns as interfaces
	// ("*example.com/app/store.Repo"): a constructor's implementation.
	Makes []string

	// Forwards lists the results that are what a function passed as a
	// parameter returns: a WithLock-style wrapper (see Forward).
	Forwards []Forward
	// CtxParams lists the parameters (by index, receiver excluded) that
	// hold a context (or a request, a stream) under which the function
	// does work, or which it hands back: it gives the context, or one
	// derived from it, to calls that may work under it, keeps it, or
	// returns it. Waiting for it to end (Done) or reading its error is no
	// work. A caller's context given there governs work.
	CtxParams []int

	// SpawnsParams lists the function parameters (by index, receiver
	// excluded) that the function starts in the background and does not
	// wait for: a go statement, a worker pool, a helper that does.
	SpawnsParams []int

	// Spawns lists the work the function starts in the background, and
	// does not wait for, under the context of one of its parameters: a
	// caller that passes a request's context there starts work that the
	// request's end cancels.
	Spawns []Spawn

	// Self lists the results that are the method's receiver itself (a
	// builder's return r), Fresh the results that are a new object, of a
	// type that keeps a context, made with no cancellable context in it
	// (a client's R()), and SetsCtx the context parameters (by index,
	// receiver excluded) that the method stores into its receiver (a
	// setter's r.ctx = ctx). A call site follows an object by them: a
	// method of an object made fresh and given no cancellable context on
	// the way is given none (see ctxobject.go).
	Self    []int
	Fresh   []int
	SetsCtx []int

	// Cancellable reports a //cancelcheck:cancellable entry point.
	Cancellable bool

	// MarksCancellable reports a //cancelcheck:marks-cancellable function:
	// every function passed to it as an argument is an entry point.
	MarksCancellable bool

	// Latent lists the problems in the function's call tree (its own code
	// and everything it runs), each with the call path that reaches it. It
	// is sorted by rule and position, holds one entry per rule and
	// position (the one with the shortest path), and at most MaxLatent
	// entries per rule.
	Latent []Problem
}

// AFact marks Summary as an analysis fact.
func (*Summary) AFact() {}

// MaxLatent caps the latent problems a Summary carries per rule, and
// MaxPath the steps of a Problem's call path, so that facts stay small
// however large the call tree.
const (
	MaxLatent = 16
	MaxPath   = 16
)

// Flags says what a result may carry.
type Flags uint16

const (
	// Cancel: an error result that may be a cancellation of the runtime
	// (a *deferred.CancelledError).
	Cancel Flags = 1 << iota
	// FirstError: an error result that may be a *FirstError hiding a
	// cancellation; for a *Deferred result, its failure may be one.
	FirstError
	// Shared: a *Deferred result that other callers may also hold (loaded
	// from, or stored into, shared storage), so that cancelling it cancels
	// every waiter.
	Shared
	// Background: a *Deferred result of work that inherits the caller's
	// logging context and may outlive it (logcontextleak).
	Background
	// NonNil: an error result that is never nil: returning it is a
	// failure, not going on normally.
	NonNil
	// Ctx: an error result that may be a context error (context.Canceled,
	// context.DeadlineExceeded, a context's cause).
	Ctx
	// Wrapped: the cancellation (of either source) may be inside a
	// wrapper: %w, errors.Join, an error type with Unwrap or Is, or code
	// that is not followed. Only errors.Is and errors.As see it there.
	Wrapped
	// Carrier: a result that is not an error but carries a cancellable
	// context on, as a handle built with the caller's ctx (an *sql.Rows,
	// an *http.Response): calls given it may fail with the context's
	// error.
	Carrier
	// CtxGuess: an error result that may be a context error by a guess:
	// it comes from code out of sight (an interface with no
	// implementation in sight, a function value of unknown origin) given
	// a cancellable context. The rules that judge an error by where it
	// comes from (ctxerrwrap) want Ctx; those that judge what code does
	// with it (ctxerrcompare, ctxswallow) take either.
	CtxGuess
)

// CtxAny is Ctx or CtxGuess.
const CtxAny = Ctx | CtxGuess

var flagNames = []string{"cancel", "firsterror", "shared", "background", "nonnil", "ctx", "wrapped", "carrier", "ctxguess"}

func (f Flags) String() string {
	var parts []string
	for i, name := range flagNames {
		if f&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// Result returns the flags of result i (zero when not recorded).
func (s *Summary) Result(i int) Flags {
	if s == nil || i < 0 || i >= len(s.Results) {
		return 0
	}
	return s.Results[i]
}

// Runs reports whether the function runs the function passed as parameter i.
func (s *Summary) Runs(i int) bool { return s != nil && slices.Contains(s.RunsParams, i) }

// A Problem is a latent hazard in a function's call tree. It becomes a
// finding when an entry point reaches it (or with -all).
type Problem struct {
	Rule string // the analyzer that reports it: "swallowedcancel", ...
	Pos  string // where it is: "file:line:col"
	// Reason is the finding's message: one short clause saying what is
	// wrong, in the user's terms, and the fix.
	Reason string
	// Why says why it is wrong: what cancellation does there. Drivers show
	// it below the message, at the problem.
	Why string
	// Fixable: where it is, the problem has a suggested fix, which
	// `cancelcheck -<rule> -all -fix <its package>` applies.
	Fixable bool
	// Path is the call path from the function the Summary describes
	// (Path[0]) down to the function that contains the problem (last).
	Path []Step
}

// A Forward says that result Result of a function is what the function
// passed as parameter Param (receiver excluded) returns as its result Of,
// or a Deferred that passes a cancel on to it (Then, Chain, the Add*
// methods). Callers look through the call to the function they pass.
type Forward struct{ Result, Param, Of int }

// A Step is one function on a call path.
type Step struct {
	Pkg  string // import path of the package that declares Func
	Func string // name within the package: "fetch", "Room.Load", "OnGet.func1"
	Call string // "file:line:col" of the call to the next step; "" on the last
}

// key identifies a problem independently of the path that reaches it.
func (p *Problem) key() string { return p.Rule + "\x00" + p.Pos }

func (s *Summary) String() string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
	}
	if s.Cancellable {
		sep()
		b.WriteString("cancellable")
	}
	if s.MarksCancellable {
		sep()
		b.WriteString("marks-cancellable")
	}
	if s.Suspends {
		sep()
		b.WriteString("suspends")
	}
	for i, f := range s.Results {
		if f != 0 {
			sep()
			fmt.Fprintf(&b, "result%d=%s", i, f)
		}
	}
	if len(s.RunsParams) > 0 {
		sep()
		fmt.Fprintf(&b, "runs%v", s.RunsParams)
	}
	if len(s.ReadsParams) > 0 {
		sep()
		fmt.Fprintf(&b, "reads%v", s.ReadsParams)
	}
	for _, pt := range s.Tests {
		sep()
		kind := "cancel"
		if pt.Context {
			kind = "ctx"
		}
		if pt.Correct {
			fmt.Fprintf(&b, "tests%d=%s", pt.Param, kind)
		} else {
			fmt.Fprintf(&b, "tests%d=%s-wrongly", pt.Param, kind)
		}
	}
	if len(s.KindTests) > 0 {
		sep()
		fmt.Fprintf(&b, "kindtests%v", s.KindTests)
	}
	for _, p := range s.ParamErrs {
		sep()
		switch {
		case p.Cut != "":
			fmt.Fprintf(&b, "cuts%d->%d", p.Param, p.Result)
		case p.Wrapped:
			fmt.Fprintf(&b, "wraps%d->%d", p.Param, p.Result)
		default:
			fmt.Fprintf(&b, "passes%d->%d", p.Param, p.Result)
		}
	}
	for _, p := range s.ParamProblems {
		sep()
		fmt.Fprintf(&b, "param%d:%s@%s", p.Param, p.Rule, shortPos(p.Pos))
	}
	for _, d := range s.Dynamic {
		sep()
		fmt.Fprintf(&b, "calls(%s)", methodName(d.Method))
	}
	for _, m := range s.Makes {
		sep()
		fmt.Fprintf(&b, "makes(%s)", m[strings.LastIndexAny(m, "/*")+1:])
	}
	for _, fw := range s.Forwards {
		sep()
		fmt.Fprintf(&b, "result%d=param%d.result%d", fw.Result, fw.Param, fw.Of)
	}
	for _, l := range []struct {
		name    string
		indexes []int
	}{{"ctx", s.CtxParams}, {"spawnsfunc", s.SpawnsParams}, {"self", s.Self}, {"fresh", s.Fresh}, {"setsctx", s.SetsCtx}} {
		if len(l.indexes) > 0 {
			sep()
			fmt.Fprintf(&b, "%s%v", l.name, l.indexes)
		}
	}
	for _, sp := range s.Spawns {
		sep()
		fmt.Fprintf(&b, "spawns%d@%s", sp.Param, shortPos(sp.Pos))
	}
	for _, p := range s.Latent {
		sep()
		fmt.Fprintf(&b, "%s@%s", p.Rule, shortPos(p.Pos))
	}
	return b.String()
}

// isZero reports whether the summary says nothing, so needs no fact.
func (s *Summary) isZero() bool {
	return !s.Suspends && len(s.Results) == 0 && len(s.RunsParams) == 0 && len(s.ReadsParams) == 0 &&
		len(s.ParamErrs) == 0 && len(s.Origins) == 0 && len(s.Tests) == 0 && len(s.KindTests) == 0 && len(s.Forwards) == 0 && len(s.ParamProblems) == 0 && len(s.Dynamic) == 0 && len(s.Makes) == 0 &&
		len(s.CtxParams) == 0 && len(s.SpawnsParams) == 0 && len(s.Spawns) == 0 &&
		len(s.Self) == 0 && len(s.Fresh) == 0 && len(s.SetsCtx) == 0 &&
		!s.Cancellable && !s.MarksCancellable && len(s.Latent) == 0
}

// normalize sorts, deduplicates and caps the summary's slices, and trims
// trailing zero result flags: equal summaries encode to equal bytes.
func (s *Summary) normalize() {
	for len(s.Results) > 0 && s.Results[len(s.Results)-1] == 0 {
		s.Results = s.Results[:len(s.Results)-1]
	}
	if len(s.Results) == 0 {
		s.Results = nil
	}
	slices.Sort(s.RunsParams)
	s.RunsParams = slices.Compact(s.RunsParams)
	slices.Sort(s.ReadsParams)
	s.ReadsParams = slices.Compact(s.ReadsParams)
	slices.SortFunc(s.ParamErrs, func(a, b ParamErr) int {
		return cmp.Or(cmp.Compare(a.Param, b.Param), cmp.Compare(a.Result, b.Result))
	})
	if len(s.ParamErrs) == 0 {
		s.ParamErrs = nil
	}
	slices.SortFunc(s.Tests, func(a, b ParamTest) int {
		return cmp.Or(cmp.Compare(a.Param, b.Param), cmp.Compare(fmt.Sprint(a.Context), fmt.Sprint(b.Context)),
			cmp.Compare(fmt.Sprint(a.Correct), fmt.Sprint(b.Correct)))
	})
	if len(s.Tests) == 0 {
		s.Tests = nil
	}
	slices.Sort(s.KindTests)
	s.KindTests = slices.Compact(s.KindTests)
	slices.SortFunc(s.Forwards, func(a, b Forward) int {
		return cmp.Or(cmp.Compare(a.Result, b.Result), cmp.Compare(a.Param, b.Param), cmp.Compare(a.Of, b.Of))
	})
	s.Forwards = slices.Compact(s.Forwards)
	s.ParamProblems = normalize(s.ParamProblems, func(p *ParamProblem) *Problem { return &p.Problem })
	s.Dynamic = normalizeDynamic(s.Dynamic)
	slices.Sort(s.Makes)
	s.Makes = slices.Compact(s.Makes)
	if len(s.Makes) == 0 {
		s.Makes = nil
	}
	slices.Sort(s.CtxParams)
	s.CtxParams = slices.Compact(s.CtxParams)
	slices.Sort(s.SpawnsParams)
	s.SpawnsParams = slices.Compact(s.SpawnsParams)
	slices.Sort(s.SetsCtx)
	s.SetsCtx = slices.Compact(s.SetsCtx)
	s.Spawns = normalizeSpawns(s.Spawns)
	s.Latent = normalizeProblems(s.Latent)
}

// normalizeProblems keeps, for each rule and position, the problem with the
// shortest path (then the smallest, for determinism), sorts them, and
// keeps at most MaxLatent per rule.
func normalizeProblems(ps []Problem) []Problem {
	return normalize(ps, func(p *Problem) *Problem { return p })
}

// normalize is normalizeProblems for any slice whose elements hold a
// Problem.
func normalize[T any](xs []T, problem func(*T) *Problem) []T {
	if len(xs) == 0 {
		return nil
	}
	slices.SortStableFunc(xs, func(x, y T) int {
		a, b := problem(&x), problem(&y)
		return cmp.Or(
			cmp.Compare(a.Rule, b.Rule),
			comparePos(a.Pos, b.Pos),
			cmp.Compare(len(a.Path), len(b.Path)),
			compareSteps(a.Path, b.Path),
			cmp.Compare(a.Reason, b.Reason))
	})
	out := xs[:0]
	perRule := 0
	lastKey, lastRule := "", ""
	for i := range xs {
		p := problem(&xs[i])
		if i > 0 && p.key() == lastKey {
			continue
		}
		if i == 0 || p.Rule != lastRule {
			perRule = 0
		}
		lastKey, lastRule = p.key(), p.Rule
		if perRule == MaxLatent {
			continue
		}
		perRule++
		out = append(out, xs[i])
	}
	return slices.Clip(out)
}

func compareSteps(a, b []Step) int {
	return slices.CompareFunc(a, b, func(x, y Step) int {
		return cmp.Or(cmp.Compare(x.Pkg, y.Pkg), cmp.Compare(x.Func, y.Func), cmp.Compare(x.Call, y.Call))
	})
}

// comparePos orders "file:line:col" positions by file, then numerically.
func comparePos(a, b string) int {
	fa, la, ca := splitPos(a)
	fb, lb, cb := splitPos(b)
	return cmp.Or(cmp.Compare(fa, fb), cmp.Compare(la, lb), cmp.Compare(ca, cb))
}

func splitPos(pos string) (file string, line, col int) {
	file = pos
	if i := strings.LastIndexByte(file, ':'); i >= 0 {
		fmt.Sscan(file[i+1:], &col)
		file = file[:i]
	}
	if i := strings.LastIndexByte(file, ':'); i >= 0 {
		fmt.Sscan(file[i+1:], &line)
		file = file[:i]
	}
	return file, line, col
}

// shortPos is "base.go:line", for messages and fact strings.
func shortPos(pos string) string {
	file, line, _ := splitPos(pos)
	if i := strings.LastIndexAny(file, `/\`); i >= 0 {
		file = file[i+1:]
	}
	return fmt.Sprintf("%s:%d", file, line)
}

// A Spawn is background work that a function starts, and does not wait
// for, under the context of one of its parameters (Summary.Spawns).
type Spawn struct {
	Param int    // the parameter (receiver excluded) whose context the work runs under
	Pos   string // "file:line:col" of the go statement or the call that starts the work
	What  string // what starts it: "the goroutine", "errgroup.Group.Go", "time.AfterFunc", …
	Path  []Step // from the function (Path[0]) down to the one that starts the work
}

// normalizeSpawns keeps, for each parameter and position, the spawn with
// the shortest path, sorted, at most MaxLatent per parameter.
func normalizeSpawns(sp []Spawn) []Spawn {
	if len(sp) == 0 {
		return nil
	}
	slices.SortStableFunc(sp, func(a, b Spawn) int {
		return cmp.Or(cmp.Compare(a.Param, b.Param), comparePos(a.Pos, b.Pos),
			cmp.Compare(len(a.Path), len(b.Path)), compareSteps(a.Path, b.Path))
	})
	out := sp[:0]
	n := 0
	for i, s := range sp {
		if i > 0 && s.Param == sp[i-1].Param && s.Pos == sp[i-1].Pos {
			continue
		}
		if i == 0 || s.Param != sp[i-1].Param {
			n = 0
		}
		if n == MaxLatent {
			continue
		}
		n++
		out = append(out, s)
	}
	return slices.Clip(out)
}

// PackageFact marks a package that cancellable analysed: it imports the
// runtime, directly or transitively, or declares cancelcheck directives
// (Runtime), or it may handle context errors: it imports package context,
// directly or transitively, and is not part of the standard library, which
// is modelled (Context). Every other package is skipped without building
// its SSA form. The absence of a Summary for a function of an analysed
// package says that it has nothing to say; for any other package it says
// nothing.
type PackageFact struct {
	Runtime bool
	Context bool
	// Reached lists the calls through interfaces that the package's entry
	// points make and the package could not resolve, for the packages
	// that import it and see the implementations (latebind.go).
	Reached []DynCall
	// Hidden lists the package's unexported types that it converts to
	// interfaces (a constructor that returns *catalog as Catalog, a
	// decorator stored in an interface field): their methods have facts
	// that importers cannot look up, since the type is in no export data.
	// Calls through an interface in the packages that import this one
	// take them for implementations, as if they were in sight.
	Hidden []HiddenType
}

// A HiddenType is an unexported type of a package that it converts to
// interfaces: its method names (to tell the interfaces it implements) and
// what its methods' facts would say.
type HiddenType struct {
	Name    string   // as Makes names it: "*example.com/app/service.catalog"
	Methods []string // every method of its method set, sorted
	Facts   []HiddenMethod
}

// A HiddenMethod is what the facts of one method of a hidden type say.
type HiddenMethod struct {
	Name    string
	Summary Summary
	Shared  SharedResults
}

// AFact marks PackageFact as an analysis fact.
func (*PackageFact) AFact() {}

func (f *PackageFact) String() string {
	var parts []string
	if f.Runtime {
		parts = append(parts, "uses-runtime")
	}
	if f.Context {
		parts = append(parts, "uses-context")
	}
	return strings.Join(parts, " ")
}
