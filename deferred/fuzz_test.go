package deferred_test

// FuzzChain decodes its input into a program of operations on one Deferred
// (adding callbacks, errbacks, AddBoth and chained stages, firing,
// cancelling, chaining to inner Deferreds, wrapping it with Then,
// StopCancellation, DelayCancellation and an async function, cancelling
// those) and runs it twice: on the runtime, and on chainModel, a plain
// simulation of the semantics DESIGN.md gives. The two must agree on every
// user function call, in order, and on every result.

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// fuzzErrs are the errors the programs' functions fail with.
var fuzzErrs = [4]error{errors.New("e0"), errors.New("e1"), errors.New("e2"), errors.New("e3")}

// describe names an error the same way the model does: E<k> for fuzzErrs,
// C(reason) for a *CancelledError (+ its cause), P(value) for a panic.
func describe(err error) string {
	var ce *deferred.CancelledError
	var pe *deferred.PanicError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ce):
		if ce.Cause != nil {
			return "C(" + ce.Reason + ")+" + describe(ce.Cause)
		}
		return "C(" + ce.Reason + ")"
	case errors.As(err, &pe):
		return fmt.Sprintf("P(%v)", pe.Value)
	}
	for k, e := range fuzzErrs {
		if err == e {
			return fmt.Sprint("E", k)
		}
	}
	return "?" + err.Error()
}

// --- programs ---

type opCode uint8

const (
	opAddCallback opCode = iota
	opAddErrback
	opAddCallbacks
	opAddBoth
	opAddChained
	opCallback
	opErrback
	opCancel
	opFireInner
	opCancelInner
	opWrap
	opCancelWrapper
	numOps
)

type op struct {
	code opCode
	arg  int // 0..255: picks behaviours, values, errors, targets
}

type program struct {
	canceller int // 0 none, 1 fires a value, 2 fires an error, 3 panics, 4 fires a value then panics
	k         int
	ops       []op
}

func decodeProgram(data []byte) program {
	var p program
	if len(data) > 0 {
		p.canceller, p.k = int(data[0])%5, int(data[0])/5
		data = data[1:]
	}
	for len(data) > 0 && len(p.ops) < 64 {
		o := op{code: opCode(data[0] % byte(numOps))}
		if len(data) > 1 {
			o.arg = int(data[1])
		}
		p.ops = append(p.ops, o)
		data = data[min(2, len(data)):]
	}
	return p
}

// outcome is what a run of a program shows: the user function calls in
// order, and every result.
type outcome struct {
	Log      []string
	DCalled  bool
	D        string   // d's result, "-" if none
	Inners   []string // each inner Deferred's result
	Wrappers []string // each wrapper's result
}

func resultString(v int, err string, ok bool) string {
	if !ok {
		return "-"
	}
	if err != "" {
		return "err " + err
	}
	return fmt.Sprint("ok ", v)
}

// Behaviours of the user functions, picked by an op's arg. They are the
// same for the runtime and the model: what is checked is the chain around
// them.

// callback: 0 adds arg, 1 fails (returning a value with the error), 2
// panics, 3 adds another callback to the running Deferred, 4 passes on.
func callbackBehaviour(arg, v int) (rv int, err string, panicked bool, appends bool) {
	switch arg % 5 {
	case 0:
		return v + arg, "", false, false
	case 1:
		return v + 1, fmt.Sprint("E", arg%4), false, false
	case 2:
		return 0, fmt.Sprint("P(p", arg, ")"), true, false
	case 3:
		return v, "", false, true
	}
	return v, "", false, false
}

// errback: 0 recovers with arg, 1 fails with another error, 2 passes the
// error on, 3 panics.
func errbackBehaviour(arg int, err string) (int, string, bool) {
	switch arg % 4 {
	case 0:
		return arg, "", false
	case 1:
		return 0, fmt.Sprint("E", arg%4), false
	case 2:
		return 0, err, false
	}
	return 0, fmt.Sprint("P(p", arg, ")"), true
}

// both: 0 recovers (v+arg), 1 passes on, 2 fails, 3 panics.
func bothBehaviour(arg, v int, err string) (int, string, bool) {
	switch arg % 4 {
	case 0:
		return v + arg, "", false
	case 1:
		return v, err, false
	case 2:
		return 0, fmt.Sprint("E", arg%4), false
	}
	return 0, fmt.Sprint("P(p", arg, ")"), true
}

// chained: the inner Deferred handed back is 0 fired with arg, 1 failed, 2
// pending, or 3 the function panics.
func chainedKind(arg int) int { return arg % 4 }

func errorFor(desc string) error {
	var k int
	if _, err := fmt.Sscanf(desc, "E%d", &k); err == nil {
		return fuzzErrs[k]
	}
	panic("not an E error: " + desc)
}

// --- the runtime ---

type runtimeRun struct {
	log    []string
	d      *deferred.Deferred[int]
	inners []*deferred.Deferred[int]
	wraps  []*deferred.Deferred[int]
}

func (r *runtimeRun) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

func (r *runtimeRun) callback(id string, arg int) func(int) (int, error) {
	return func(v int) (int, error) {
		r.logf("cb%s(%d)", id, v)
		rv, err, panicked, appends := callbackBehaviour(arg, v)
		switch {
		case panicked:
			panic(fmt.Sprint("p", arg))
		case appends:
			r.d.AddCallback(r.callback(id+"+", 0))
		case err != "":
			return rv, errorFor(err)
		}
		return rv, nil
	}
}

func (r *runtimeRun) errback(id string, arg int) func(error) (int, error) {
	return func(err error) (int, error) {
		r.logf("eb%s(%s)", id, describe(err))
		rv, desc, panicked := errbackBehaviour(arg, describe(err))
		switch {
		case panicked:
			panic(fmt.Sprint("p", arg))
		case arg%4 == 2:
			return rv, err
		case desc != "":
			return rv, errorFor(desc)
		}
		return rv, nil
	}
}

func (r *runtimeRun) chained(id string, arg int) func(int) *deferred.Deferred[int] {
	return func(v int) *deferred.Deferred[int] {
		r.logf("ch%s(%d)", id, v)
		var inner *deferred.Deferred[int]
		switch chainedKind(arg) {
		case 0:
			inner = deferred.Succeed(arg)
		case 1:
			inner = deferred.Fail[int](fuzzErrs[arg%4])
		case 2:
			inner = deferred.New[int](nil)
		default:
			panic(fmt.Sprint("p", arg))
		}
		r.inners = append(r.inners, inner)
		return inner
	}
}

func (r *runtimeRun) fire(f func()) {
	if p := panicValue(f); p != nil {
		if err, ok := p.(error); ok && errors.Is(err, deferred.ErrAlreadyCalled) {
			r.logf("already")
			return
		}
		panic(p)
	}
}

func runOnRuntime(p program) outcome {
	r := &runtimeRun{}
	var canceller func(*deferred.Deferred[int])
	if p.canceller != 0 {
		canceller = func(d *deferred.Deferred[int]) {
			r.logf("canceller")
			switch p.canceller {
			case 1:
				d.Callback(p.k)
			case 2:
				d.Errback(fuzzErrs[p.k%4])
			case 3:
				panic("pc")
			case 4:
				d.Callback(p.k)
				panic("pc")
			}
		}
	}
	r.d = deferred.New(canceller)
	for i, o := range p.ops {
		id := fmt.Sprint(i)
		reason := fmt.Sprint("r", o.arg)
		switch o.code {
		case opAddCallback:
			r.d.AddCallback(r.callback(id, o.arg))
		case opAddErrback:
			r.d.AddErrback(r.errback(id, o.arg))
		case opAddCallbacks:
			r.d.AddCallbacks(r.callback(id, o.arg), r.errback(id, o.arg/5))
		case opAddBoth:
			r.d.AddBoth(func(v int, err error) (int, error) {
				r.logf("both%s(%d,%s)", id, v, describe(err))
				rv, desc, panicked := bothBehaviour(o.arg, v, describe(err))
				switch {
				case panicked:
					panic(fmt.Sprint("p", o.arg))
				case o.arg%4 == 1:
					return rv, err
				case desc != "":
					return rv, errorFor(desc)
				}
				return rv, nil
			})
		case opAddChained:
			var cb func(int) *deferred.Deferred[int]
			var eb func(error) *deferred.Deferred[int]
			if o.arg%3 != 1 {
				cb = r.chained(id, o.arg/3)
			}
			if o.arg%3 != 0 {
				ebInner := r.chained(id+"e", o.arg/3+1)
				eb = func(err error) *deferred.Deferred[int] {
					r.logf("ebch%s(%s)", id, describe(err))
					return ebInner(0)
				}
			}
			r.d.AddDeferredCallbacks(cb, eb)
		case opCallback:
			r.fire(func() { r.d.Callback(o.arg) })
		case opErrback:
			r.fire(func() { r.d.Errback(fuzzErrs[o.arg%4]) })
		case opCancel:
			r.d.CancelWithReason(reason)
		case opFireInner:
			if len(r.inners) > 0 {
				in := r.inners[o.arg%len(r.inners)]
				if o.arg%2 == 0 {
					r.fire(func() { in.Callback(o.arg) })
				} else {
					r.fire(func() { in.Errback(fuzzErrs[o.arg%4]) })
				}
			}
		case opCancelInner:
			if len(r.inners) > 0 {
				r.inners[o.arg%len(r.inners)].CancelWithReason(reason)
			}
		case opWrap:
			r.wraps = append(r.wraps, r.wrap(id, o.arg%4))
		case opCancelWrapper:
			if len(r.wraps) > 0 {
				r.wraps[o.arg%len(r.wraps)].CancelWithReason(reason)
			}
		}
	}
	out := outcome{Log: r.log, DCalled: r.d.Called()}
	v, err, ok := r.d.Result()
	out.D = resultString(v, describe(err), ok)
	for _, in := range r.inners {
		v, err, ok := in.Result()
		out.Inners = append(out.Inners, resultString(v, describe(err), ok))
	}
	for _, w := range r.wraps {
		v, err, ok := w.Result()
		out.Wrappers = append(out.Wrappers, resultString(v, describe(err), ok))
	}
	return out
}

func (r *runtimeRun) wrap(id string, kind int) *deferred.Deferred[int] {
	switch kind {
	case 0:
		return deferred.Then(r.d, func(v int) (int, error) { r.logf("then%s(%d)", id, v); return v * 2, nil })
	case 1:
		return deferred.StopCancellation(r.d)
	case 2:
		return deferred.DelayCancellation(r.d)
	}
	return deferred.Run(func(t *deferred.Task) (int, error) {
		v, err := deferred.Await(t, r.d)
		r.logf("task%s(%d,%s)", id, v, describe(err))
		if errors.Is(err, deferred.ErrCancelled) {
			return -1, nil // swallows the cancellation
		}
		return v, err
	})
}

// --- the model ---

type mResult struct {
	v   int
	err string
}

type mStage struct {
	kind   int // 0 callbacks, 1 both, 2 chained, 3 wrapper
	id     string
	arg    int  // the callback's behaviour (and the others')
	ebArg  int  // the errback's behaviour
	cb, eb bool // which of the pair is set
	wrap   int
}

type mInner struct {
	fired, suppress, waiter bool
	res                     mResult
}

type mWrap struct {
	kind              int // 0 Then, 1 StopCancellation, 2 DelayCancellation, 3 task
	id                string
	done              bool
	res               mResult
	delayed           bool
	delayReason       string
	cancelledByCancel bool
}

// chainModel simulates one Deferred (DESIGN.md's runtime contract), its
// inner Deferreds and its wrappers, in the obvious way: a queue of stages
// run in order while the Deferred is fired and not paused.
type chainModel struct {
	p                   program
	log                 []string
	fired, suppress     bool
	cancelling, running bool
	res                 mResult
	queue               []mStage
	paused              int // inner waited on, or -1
	inners              []*mInner
	wraps               []*mWrap
}

func (m *chainModel) logf(format string, args ...any) {
	m.log = append(m.log, fmt.Sprintf(format, args...))
}

func (m *chainModel) add(s mStage) {
	m.queue = append(m.queue, s)
	m.run()
}

// fire is Callback/Errback on d.
func (m *chainModel) fire(res mResult) {
	if m.fired {
		if m.suppress {
			m.suppress = false
			return
		}
		m.logf("already")
		return
	}
	m.fired, m.res = true, res
	m.run()
}

func (m *chainModel) cancel(reason string) {
	if m.paused >= 0 {
		m.cancelInner(m.paused, reason)
		return
	}
	if m.fired || m.cancelling {
		return
	}
	m.cancelling = true
	cause := ""
	if m.p.canceller != 0 {
		m.logf("canceller")
		switch m.p.canceller {
		case 1:
			m.fire(mResult{v: m.p.k})
		case 2:
			m.fire(mResult{err: fmt.Sprint("E", m.p.k%4)})
		case 3:
			cause = "P(pc)"
		case 4:
			m.fire(mResult{v: m.p.k})
			cause = "P(pc)" // reported, not in the result
		}
	}
	m.suppress = true
	if !m.fired {
		desc := "C(" + reason + ")"
		if cause != "" {
			desc += "+" + cause
		}
		m.fired, m.res = true, mResult{err: desc}
		m.run()
	}
}

func (m *chainModel) fireInner(i int, res mResult) {
	in := m.inners[i]
	if in.fired {
		if in.suppress {
			in.suppress = false
			return
		}
		m.logf("already")
		return
	}
	in.fired, in.res = true, res
	m.innerFired(i)
}

func (m *chainModel) cancelInner(i int, reason string) {
	in := m.inners[i]
	if in.fired {
		return
	}
	in.fired, in.suppress, in.res = true, true, mResult{err: "C(" + reason + ")"}
	m.innerFired(i)
}

func (m *chainModel) innerFired(i int) {
	in := m.inners[i]
	if in.waiter {
		in.waiter = false
		m.paused = -1
		m.res = in.res
		m.run()
	}
}

// newInner is a chained callback's behaviour: it returns the inner's index,
// or -1 with a panic result.
func (m *chainModel) newInner(arg int) (int, mResult) {
	var in mInner
	switch chainedKind(arg) {
	case 0:
		in.fired, in.res = true, mResult{v: arg}
	case 1:
		in.fired, in.res = true, mResult{err: fmt.Sprint("E", arg%4)}
	case 2:
	default:
		return -1, mResult{err: fmt.Sprint("P(p", arg, ")")}
	}
	m.inners = append(m.inners, &in)
	return len(m.inners) - 1, mResult{}
}

func (m *chainModel) run() {
	if !m.fired || m.paused >= 0 || m.running {
		return
	}
	m.running = true
	defer func() { m.running = false }()
	for len(m.queue) > 0 {
		s := m.queue[0]
		m.queue = m.queue[1:]
		switch s.kind {
		case 0:
			if m.res.err == "" && s.cb {
				m.logf("cb%s(%d)", s.id, m.res.v)
				v, err, _, appends := callbackBehaviour(s.arg, m.res.v)
				if appends {
					m.queue = append(m.queue, mStage{kind: 0, id: s.id + "+", arg: 0, cb: true})
				}
				m.res = mResult{v, err}
			} else if m.res.err != "" && s.eb {
				m.logf("eb%s(%s)", s.id, m.res.err)
				v, err, _ := errbackBehaviour(s.ebArg, m.res.err)
				m.res = mResult{v, err}
			}
		case 1:
			m.logf("both%s(%d,%s)", s.id, m.res.v, m.res.err)
			v, err, _ := bothBehaviour(s.arg, m.res.v, m.res.err)
			m.res = mResult{v, err}
		case 2:
			var idx int
			var res mResult
			switch {
			case m.res.err == "" && s.cb:
				m.logf("ch%s(%d)", s.id, m.res.v)
				idx, res = m.newInner(s.arg / 3)
			case m.res.err != "" && s.eb:
				m.logf("ebch%s(%s)", s.id, m.res.err)
				m.logf("ch%se(%d)", s.id, 0)
				idx, res = m.newInner(s.arg/3 + 1)
			default:
				continue
			}
			if idx < 0 {
				m.res = res
				continue
			}
			in := m.inners[idx]
			if in.fired {
				m.res = in.res
				continue
			}
			in.waiter, m.paused = true, idx
			return
		case 3:
			m.wrapperFired(s.wrap)
		}
		if m.res.err != "" {
			m.res.v = 0 // a failure has no value
		}
	}
}

func (m *chainModel) wrapperFired(i int) {
	w := m.wraps[i]
	if w.done {
		return
	}
	res := m.res
	switch w.kind {
	case 0:
		if res.err == "" {
			m.logf("then%s(%d)", w.id, res.v)
			res.v *= 2
		}
	case 2:
		if w.delayed {
			res = mResult{err: "C(" + w.delayReason + ")"}
		}
	case 3:
		m.logf("task%s(%d,%s)", w.id, res.v, res.err)
		if strings.HasPrefix(res.err, "C(") {
			res = mResult{v: -1}
		}
	}
	w.done, w.res = true, res
}

func (m *chainModel) cancelWrapper(i int, reason string) {
	w := m.wraps[i]
	if w.done {
		return
	}
	switch w.kind {
	case 0, 3: // Then and a task forward the cancel to d
		m.cancel(reason)
	case 1:
		w.done, w.res = true, mResult{err: "C(" + reason + ")"}
	case 2:
		if !w.delayed {
			w.delayed, w.delayReason = true, reason
		}
	}
}

func runOnModel(p program) outcome {
	m := &chainModel{p: p, paused: -1}
	for i, o := range p.ops {
		id := fmt.Sprint(i)
		reason := fmt.Sprint("r", o.arg)
		switch o.code {
		case opAddCallback:
			m.add(mStage{kind: 0, id: id, arg: o.arg, cb: true})
		case opAddErrback:
			m.add(mStage{kind: 0, id: id, ebArg: o.arg, eb: true})
		case opAddCallbacks:
			m.add(mStage{kind: 0, id: id, arg: o.arg, ebArg: o.arg / 5, cb: true, eb: true})
		case opAddBoth:
			m.add(mStage{kind: 1, id: id, arg: o.arg})
		case opAddChained:
			m.add(mStage{kind: 2, id: id, arg: o.arg, cb: o.arg%3 != 1, eb: o.arg%3 != 0})
		case opCallback:
			m.fire(mResult{v: o.arg})
		case opErrback:
			m.fire(mResult{err: fmt.Sprint("E", o.arg%4)})
		case opCancel:
			m.cancel(reason)
		case opFireInner:
			if len(m.inners) > 0 {
				res := mResult{v: o.arg}
				if o.arg%2 == 1 {
					res = mResult{err: fmt.Sprint("E", o.arg%4)}
				}
				m.fireInner(o.arg%len(m.inners), res)
			}
		case opCancelInner:
			if len(m.inners) > 0 {
				m.cancelInner(o.arg%len(m.inners), reason)
			}
		case opWrap:
			m.wraps = append(m.wraps, &mWrap{kind: o.arg % 4, id: id})
			m.add(mStage{kind: 3, wrap: len(m.wraps) - 1})
		case opCancelWrapper:
			if len(m.wraps) > 0 {
				m.cancelWrapper(o.arg%len(m.wraps), reason)
			}
		}
	}
	out := outcome{Log: m.log, DCalled: m.fired}
	out.D = resultString(m.res.v, m.res.err, m.fired && m.paused < 0)
	for _, in := range m.inners {
		out.Inners = append(out.Inners, resultString(in.res.v, in.res.err, in.fired))
	}
	for _, w := range m.wraps {
		out.Wrappers = append(out.Wrappers, resultString(w.res.v, w.res.err, w.done))
	}
	return out
}

// fuzzSeeds are programs that exercise each operation; the seed corpus in
// testdata/fuzz/FuzzChain holds more.
var fuzzSeeds = [][]byte{
	{0, byte(opAddCallback), 3, byte(opCallback), 1},
	{0, byte(opCallback), 1, byte(opAddCallback), 1, byte(opAddErrback), 0, byte(opAddCallback), 2, byte(opAddErrback), 4},
	{1, byte(opAddErrback), 2, byte(opCancel), 0, byte(opCallback), 0, byte(opCallback), 0},
	{3, byte(opWrap), 3, byte(opCancelWrapper), 0, byte(opAddBoth), 0},
	{2, byte(opAddChained), 6, byte(opCallback), 0, byte(opCancel), 1, byte(opFireInner), 2},
	{4, byte(opWrap), 0, byte(opWrap), 1, byte(opWrap), 2, byte(opCancelWrapper), 1, byte(opCancelWrapper), 2, byte(opErrback), 1},
}

func FuzzChain(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	prev := deferred.SetUnhandledHook(func(deferred.UnhandledError) {}) // programs drop failures
	f.Cleanup(func() { deferred.SetUnhandledHook(prev) })
	f.Fuzz(func(t *testing.T, data []byte) {
		p := decodeProgram(data)
		got, want := runOnRuntime(p), runOnModel(p)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("program %+v\nruntime: %+v\nmodel:   %+v", p, got, want)
		}
	})
}
