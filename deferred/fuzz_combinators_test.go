package deferred_test

// FuzzCombinators decodes its input into a program over many Deferreds:
// sources (with cancellers that do nothing, fire a value or an error,
// panic, or fire and then panic), Timeouts on a deterministic clock,
// Observables and their observers, Gather, List and Race over any of them,
// a Lock, a Semaphore, a Queue, a Linearizer and a ReadWriteLock (on two
// keys each); firing, cancelling, releasing and advancing the clock. It runs the program twice: on the runtime, and on comboModel, a
// plain simulation of the semantics DESIGN.md and docs/runtime.md give,
// stage by stage. Every Deferred gets a stage that logs its result when it
// fires, so the two must agree on the order in which everything fires, on
// every result, and on the state the Lock, the Semaphore and the Queue are
// left in.

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

const (
	cSource opCode = iota
	cFire
	cCancel
	cTimeout
	cAdvance
	cObservable
	cObserve
	cGather
	cList
	cRace
	cCancelTerminal
	cLockAcquire
	cLockRelease
	cSemAcquire
	cSemRelease
	cPut
	cGet
	cQueueKey // Linearizer.Queue
	cReadKey  // ReadWriteLock.Read
	cWriteKey // ReadWriteLock.Write
	cReleasePermit
	numComboOps
)

type comboProgram struct {
	size, backlog int // the Queue's
	tokens        int // the Semaphore's
	maxCount      int // the Linearizer's
	ops           []op
}

func decodeComboProgram(data []byte) comboProgram {
	p := comboProgram{size: -1, backlog: -1, tokens: 1, maxCount: 1}
	if len(data) > 0 {
		b := int(data[0])
		p.size, p.backlog, p.tokens, p.maxCount = b%4-1, (b/4)%4-1, (b/16)%3+1, (b/48)%2+1
		data = data[1:]
	}
	for len(data) > 0 && len(p.ops) < 64 {
		o := op{code: opCode(data[0] % byte(numComboOps))}
		if len(data) > 1 {
			o.arg = int(data[1])
		}
		p.ops = append(p.ops, o)
		data = data[min(2, len(data)):]
	}
	return p
}

// pick chooses the inputs of a combinator among n nodes: up to three,
// possibly the same one twice.
func pick(arg, n int) []int {
	if n == 0 {
		return nil
	}
	idx := make([]int, arg%4)
	for k := range idx {
		idx[k] = (arg/4 + 5*k) % n
	}
	return idx
}

// timeoutAfter is the timeout an op's arg asks for: 1s to 4s.
func timeoutAfter(arg int) time.Duration { return time.Duration((arg/16)%4+1) * time.Second }

// comboOutcome is what a run shows.
type comboOutcome struct {
	Log       []string
	Nodes     []string
	Terminals []string
	Locked    bool
	Tokens    int
	QueueLen  int
	Waiting   int
}

// describeCombo names an error as the model does: E<k>, C(reason)+cause,
// T(after)+cause, P(value), F(index,error), A[errors], U (underflow).
func describeCombo(err error) string {
	switch e := err.(type) {
	case nil:
		return ""
	case *deferred.FirstError:
		return fmt.Sprintf("F(%d,%s)", e.Index, describeCombo(e.Err))
	case *deferred.AllFailedError:
		parts := make([]string, len(e.Errs))
		for i, err := range e.Errs {
			parts[i] = describeCombo(err)
		}
		return "A[" + strings.Join(parts, ";") + "]"
	case *deferred.TimeoutError:
		if e.Cause != nil {
			return fmt.Sprintf("T(%v)+%s", e.After, describeCombo(e.Cause))
		}
		return fmt.Sprintf("T(%v)", e.After)
	case *deferred.CancelledError:
		if e.Cause != nil {
			return "C(" + e.Reason + ")+" + describeCombo(e.Cause)
		}
		return "C(" + e.Reason + ")"
	case *deferred.PanicError:
		return fmt.Sprintf("P(%v)", e.Value)
	}
	if err == deferred.ErrQueueUnderflow {
		return "U"
	}
	return describe(err)
}

func comboResult(ok bool, value string, err error) string {
	switch {
	case !ok:
		return "-"
	case err != nil:
		return "err " + describeCombo(err)
	}
	return "ok " + value
}

// --- the runtime ---

type comboRun struct {
	mu          sync.Mutex // the unhandled hook may log from another goroutine
	log         []string
	clock       *deferredtest.Clock
	nodes       []*deferred.Deferred[int]
	sources     []int
	observables []*deferred.Observable[int]
	terminals   []comboTerminal
	lock        *deferred.Lock
	sem         *deferred.Semaphore
	queue       *deferred.Queue[int]
	lin         *deferred.Linearizer[int]
	rw          deferred.ReadWriteLock[int]
	permits     []*deferred.Deferred[*deferred.Permit] // in the order asked for
}

type comboTerminal struct {
	result func() string
	cancel func(reason string)
}

func (r *comboRun) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

func (r *comboRun) addNode(d *deferred.Deferred[int]) int {
	i := len(r.nodes)
	r.nodes = append(r.nodes, d)
	d.AddBoth(func(v int, err error) (int, error) {
		r.logf("n%d %s", i, comboResult(true, fmt.Sprint(v), err))
		return v, err
	})
	return i
}

// addTerminal logs d's result when it fires, formatted by show.
func addTerminal[T any](r *comboRun, d *deferred.Deferred[T], show func(T) string) {
	i := len(r.terminals)
	r.terminals = append(r.terminals, comboTerminal{
		result: func() string {
			v, err, ok := d.Result()
			if !ok || err != nil {
				return comboResult(ok, "", err)
			}
			return comboResult(true, show(v), nil)
		},
		cancel: d.CancelWithReason,
	})
	d.AddBoth(func(v T, err error) (T, error) {
		if err != nil {
			r.logf("t%d %s", i, comboResult(true, "", err))
		} else {
			r.logf("t%d %s", i, comboResult(true, show(v), nil))
		}
		return v, err
	})
}

func (r *comboRun) inputs(arg int) []*deferred.Deferred[int] {
	var ds []*deferred.Deferred[int]
	for _, i := range pick(arg, len(r.nodes)) {
		ds = append(ds, r.nodes[i])
	}
	return ds
}

func showInts(vs []int) string { return fmt.Sprint(vs) }

func showResults(rs []deferred.Result[int]) string {
	parts := make([]string, len(rs))
	for i, x := range rs {
		if x.Err != nil {
			parts[i] = describeCombo(x.Err)
		} else {
			parts[i] = fmt.Sprint(x.Value)
		}
	}
	return "[" + strings.Join(parts, "|") + "]"
}

func showWinner(w deferred.Winner[int]) string { return fmt.Sprintf("w(%d,%d)", w.Index, w.Value) }

func (r *comboRun) source(kind, k int) {
	var canceller func(*deferred.Deferred[int])
	if kind != 0 {
		canceller = func(d *deferred.Deferred[int]) {
			r.logf("canceller")
			switch kind {
			case 1:
				d.Callback(k)
			case 2:
				d.Errback(fuzzErrs[k%4])
			case 3:
				panic("pc")
			case 4:
				d.Callback(k)
				panic("pc")
			}
		}
	}
	r.sources = append(r.sources, r.addNode(deferred.New(canceller)))
}

func (r *comboRun) fire(d *deferred.Deferred[int], arg int) {
	p := panicValue(func() {
		if arg%2 == 0 {
			d.Callback(arg)
		} else {
			d.Errback(fuzzErrs[arg%4])
		}
	})
	if p != nil {
		if err, ok := p.(error); ok && errors.Is(err, deferred.ErrAlreadyCalled) {
			r.logf("already")
			return
		}
		panic(p)
	}
}

func runCombosOnRuntime(p comboProgram) comboOutcome {
	r := &comboRun{
		clock: new(deferredtest.Clock),
		lock:  deferred.NewLock(),
		sem:   deferred.NewSemaphore(p.tokens),
		queue: deferred.NewQueue[int](p.size, p.backlog),
		lin:   deferred.NewLinearizer[int](p.maxCount),
	}
	comboReports.Lock()
	comboReports.run = r
	comboReports.Unlock()
	defer func() {
		comboReports.Lock()
		comboReports.run = nil
		comboReports.Unlock()
	}()
	for _, o := range p.ops {
		reason := fmt.Sprint("r", o.arg)
		switch o.code {
		case cSource:
			r.source(o.arg%5, o.arg/5)
		case cFire:
			if len(r.sources) > 0 {
				r.fire(r.nodes[r.sources[o.arg%len(r.sources)]], o.arg)
			}
		case cCancel:
			if len(r.nodes) > 0 {
				r.nodes[o.arg%len(r.nodes)].CancelWithReason(reason)
			}
		case cTimeout:
			if len(r.nodes) > 0 {
				r.addNode(deferred.Timeout(r.nodes[o.arg%len(r.nodes)], timeoutAfter(o.arg), r.clock))
			}
		case cAdvance:
			r.clock.Advance(time.Duration(o.arg%3) * time.Second)
		case cObservable:
			if len(r.nodes) > 0 {
				r.observables = append(r.observables, deferred.NewObservable(r.nodes[o.arg%len(r.nodes)], o.arg/8%2 == 0))
			}
		case cObserve:
			if len(r.observables) > 0 {
				r.addNode(r.observables[o.arg%len(r.observables)].Observe())
			}
		case cGather:
			addTerminal(r, deferred.Gather(r.inputs(o.arg), o.arg/64%2 == 0), showInts)
		case cList:
			opts := deferred.ListOptions{FireOnOneErrback: o.arg/64%2 == 1, ConsumeErrors: o.arg/128%2 == 1}
			addTerminal(r, deferred.List(r.inputs(o.arg), opts), showResults)
		case cRace:
			addTerminal(r, deferred.Race(r.inputs(o.arg)), showWinner)
		case cCancelTerminal:
			if len(r.terminals) > 0 {
				r.terminals[o.arg%len(r.terminals)].cancel(reason)
			}
		case cLockAcquire:
			addTerminal(r, r.lock.Acquire(), func(*deferred.Lock) string { return "L" })
		case cLockRelease:
			if panicValue(r.lock.Release) != nil {
				r.logf("release unlocked")
			}
		case cSemAcquire:
			addTerminal(r, r.sem.Acquire(), func(*deferred.Semaphore) string { return "S" })
		case cSemRelease:
			if panicValue(r.sem.Release) != nil {
				r.logf("release free")
			}
		case cPut:
			if err := r.queue.Put(o.arg); err != nil {
				r.logf("put %d: overflow", o.arg)
			}
		case cGet:
			r.addNode(r.queue.Get())
		case cQueueKey, cReadKey, cWriteKey:
			var d *deferred.Deferred[*deferred.Permit]
			switch o.code {
			case cQueueKey:
				d = r.lin.Queue(o.arg % 2)
			case cReadKey:
				d = r.rw.Read(o.arg % 2)
			default:
				d = r.rw.Write(o.arg % 2)
			}
			r.permits = append(r.permits, d)
			addTerminal(r, d, func(*deferred.Permit) string { return "P" })
		case cReleasePermit:
			if len(r.permits) > 0 {
				i := o.arg % len(r.permits)
				switch p, err, ok := r.permits[i].Result(); {
				case !ok || err != nil:
					r.logf("p%d not held", i)
				case panicValue(p.Release) != nil:
					r.logf("p%d released twice", i)
				}
			}
		}
	}
	out := comboOutcome{
		Log:      r.log,
		Locked:   r.lock.Locked(),
		Tokens:   r.sem.Tokens(),
		QueueLen: r.queue.Len(),
		Waiting:  r.queue.Waiting(),
	}
	for _, d := range r.nodes {
		v, err, ok := d.Result()
		out.Nodes = append(out.Nodes, comboResult(ok, fmt.Sprint(v), err))
	}
	for _, t := range r.terminals {
		out.Terminals = append(out.Terminals, t.result())
	}
	return out
}

// --- the model ---

type cmKind uint8

const (
	kSource   cmKind = iota
	kTimeout         // a Timeout of node src
	kObserver        // an Observe of observable obs, waiting
	kGet             // a Get waiting on the queue
	kFixed           // fired when made
)

// A cmStage is one stage added to a node: the log stage, or the observer
// of a combinator's input.
type cmStage struct {
	kind  int // 0 log, 1 gather slot, 2 list slot, 3 race slot, 4 timeout, 5 observable
	which int // the combinator, timeout node or observable
	slot  int // the input's index
}

type cmNode struct {
	kind            cmKind
	canceller, k    int // kSource
	src             int // kTimeout: the node timed out
	obs             int // kObserver
	fired, suppress bool
	cancelling      bool
	res             mResult
	stages          []cmStage
	// kTimeout
	after    time.Duration
	timer    int // index into timers, -1 once stopped or run
	done     bool
	timedOut bool
}

type cmTimer struct {
	at, seq int64
	node    int
	pending bool
}

type cmObservable struct {
	done      bool
	res       mResult
	observers []int
}

type cmTerminal struct {
	kind   int // 0 gather, 1 list, 2 race, 3 lock acquire, 4 sem acquire, 5 permit
	inputs []int
	opts   deferred.ListOptions
	fired  bool
	res    string // the result once fired, as comboResult shows it
	done   bool   // the combinator's own done (gather, list)
	values []string
	left   int
	winner int
	errs   []string
	failed int
	// a permit's
	lock      int // 0 the Linearizer, 1 the ReadWriteLock
	key       int
	exclusive bool
	released  bool
}

// cmKeyed is one key of the Linearizer or of the ReadWriteLock.
type cmKeyed struct {
	shared    int
	exclusive bool
	waiters   []int // terminals
}

type comboModel struct {
	p           comboProgram
	log         []string
	now, seq    int64
	nodes       []*cmNode
	sources     []int
	timers      []*cmTimer
	observables []*cmObservable
	terminals   []*cmTerminal
	locked      bool
	lockWaiters []int
	tokens      int
	semWaiters  []int
	values      []int
	getWaiters  []int
	keyed       [2][2]cmKeyed // [lock][key]
	permits     []int         // terminals, in the order asked for
}

func (m *comboModel) logf(format string, args ...any) {
	m.log = append(m.log, fmt.Sprintf(format, args...))
}

func resString(res mResult) string {
	if res.err != "" {
		return "err " + res.err
	}
	return fmt.Sprint("ok ", res.v)
}

func (m *comboModel) newNode(n *cmNode) int {
	i := len(m.nodes)
	m.nodes = append(m.nodes, n)
	m.addStage(i, cmStage{kind: 0})
	return i
}

// addStage adds a stage to node i; on a fired node it runs at once.
func (m *comboModel) addStage(i int, s cmStage) {
	n := m.nodes[i]
	if n.fired {
		m.runStage(i, s)
		return
	}
	n.stages = append(n.stages, s)
}

// fireNode fires node i for the runtime, or for the user (who may fire a
// fired source: ignored once after a cancel, else "already").
func (m *comboModel) fireNode(i int, res mResult, byUser bool) {
	n := m.nodes[i]
	if n.fired {
		if byUser {
			if n.suppress {
				n.suppress = false
				return
			}
			m.logf("already")
		}
		return
	}
	if res.err != "" {
		res.v = 0
	}
	n.fired, n.res = true, res
	for len(n.stages) > 0 {
		s := n.stages[0]
		n.stages = n.stages[1:]
		m.runStage(i, s)
	}
}

func (m *comboModel) runStage(i int, s cmStage) {
	n := m.nodes[i]
	switch s.kind {
	case 0:
		m.logf("n%d %s", i, resString(n.res))
	case 1:
		m.gatherFired(s.which, s.slot, n.res)
	case 2:
		m.listFired(s.which, s.slot, n.res)
	case 3:
		m.raceFired(s.which, s.slot, n.res)
	case 4:
		m.timeoutSourceFired(s.which, n.res)
	case 5:
		m.observableFired(s.which, n.res)
	}
}

func isCancellation(err string) bool { return strings.HasPrefix(err, "C(") }

func (m *comboModel) cancelNode(i int, reason string) {
	n := m.nodes[i]
	if n.fired {
		return
	}
	switch n.kind {
	case kTimeout:
		m.cancelNode(n.src, reason)
		return
	case kObserver:
		o := m.observables[n.obs]
		o.observers = slices.DeleteFunc(o.observers, func(j int) bool { return j == i })
	case kGet:
		m.getWaiters = slices.DeleteFunc(m.getWaiters, func(j int) bool { return j == i })
	case kSource:
		if n.cancelling {
			return
		}
		n.cancelling = true
		if n.canceller != 0 {
			m.logf("canceller")
			cause := ""
			switch n.canceller {
			case 1:
				m.fireNode(i, mResult{v: n.k}, true)
			case 2:
				m.fireNode(i, mResult{err: fmt.Sprint("E", n.k%4)}, true)
			case 3:
				cause = "P(pc)"
			case 4:
				m.fireNode(i, mResult{v: n.k}, true)
				cause = "P(pc)"
			}
			n.suppress = true
			if n.fired {
				if cause != "" {
					m.logf("report %s", cause)
				}
				return
			}
			err := "C(" + reason + ")"
			if cause != "" {
				err += "+" + cause
			}
			m.fireNode(i, mResult{err: err}, false)
			return
		}
	}
	n.suppress = true
	m.fireNode(i, mResult{err: "C(" + reason + ")"}, false)
}

func (m *comboModel) timeout(src int, after time.Duration) {
	t := &cmTimer{at: m.now + int64(after), seq: m.seq, pending: true}
	m.seq++
	i := m.newNodeNoLog(&cmNode{kind: kTimeout, src: src, after: after, timer: len(m.timers)})
	t.node = i
	m.timers = append(m.timers, t)
	m.addStage(src, cmStage{kind: 4, which: i})
	m.addStage(i, cmStage{kind: 0})
}

// newNodeNoLog adds a node whose log stage the caller adds later: a
// Timeout's result gets it once Timeout has returned.
func (m *comboModel) newNodeNoLog(n *cmNode) int {
	m.nodes = append(m.nodes, n)
	return len(m.nodes) - 1
}

func (m *comboModel) timeoutSourceFired(i int, res mResult) {
	n := m.nodes[i]
	n.done = true
	if !n.timedOut {
		m.timers[n.timer].pending = false
	}
	if n.timedOut && res.err != "" && isCancellation(res.err) {
		err := fmt.Sprintf("T(%v)", n.after)
		if _, cause, ok := strings.Cut(res.err, ")+"); ok && !isCancellation(cause) {
			err += "+" + cause
		}
		res = mResult{err: err}
	}
	m.fireNode(i, res, false)
}

func (m *comboModel) advance(d time.Duration) {
	end := m.now + int64(d)
	for {
		var next *cmTimer
		for _, t := range m.timers {
			if t.pending && t.at <= end && (next == nil || t.at < next.at || t.at == next.at && t.seq < next.seq) {
				next = t
			}
		}
		if next == nil {
			break
		}
		next.pending = false
		m.now = max(m.now, next.at)
		n := m.nodes[next.node]
		if !n.done {
			n.timedOut = true
			m.cancelNode(n.src, fmt.Sprintf("timed out after %v", n.after))
		}
	}
	m.now = max(m.now, end)
}

func (m *comboModel) observable(src int) {
	m.observables = append(m.observables, &cmObservable{})
	m.addStage(src, cmStage{kind: 5, which: len(m.observables) - 1})
}

func (m *comboModel) observableFired(o int, res mResult) {
	ob := m.observables[o]
	ob.done, ob.res = true, res
	observers := ob.observers
	ob.observers = nil
	for _, i := range observers {
		m.fireNode(i, res, false)
	}
}

func (m *comboModel) observe(o int) {
	ob := m.observables[o]
	if ob.done {
		m.newNode(&cmNode{kind: kFixed, fired: true, res: ob.res})
		return
	}
	i := m.newNode(&cmNode{kind: kObserver, obs: o})
	ob.observers = append(ob.observers, i)
}

// --- terminals ---

func (m *comboModel) newTerminal(t *cmTerminal) int {
	m.terminals = append(m.terminals, t)
	return len(m.terminals) - 1
}

func (m *comboModel) fireTerminal(j int, res string) {
	t := m.terminals[j]
	if t.fired {
		return
	}
	t.fired, t.res = true, res
	m.logf("t%d %s", j, res)
}

func (m *comboModel) gather(inputs []int) {
	t := &cmTerminal{kind: 0, inputs: inputs, values: make([]string, len(inputs)), left: len(inputs)}
	j := m.newTerminal(t)
	if len(inputs) == 0 {
		m.fireTerminal(j, "ok []")
		return
	}
	for k, i := range inputs {
		m.addStage(i, cmStage{kind: 1, which: j, slot: k})
	}
}

func (m *comboModel) gatherFired(j, k int, res mResult) {
	t := m.terminals[j]
	if t.done {
		return
	}
	if res.err != "" {
		t.done = true
		m.fireTerminal(j, fmt.Sprintf("err F(%d,%s)", k, res.err))
		return
	}
	t.values[k] = fmt.Sprint(res.v)
	if t.left--; t.left > 0 {
		return
	}
	t.done = true
	m.fireTerminal(j, "ok ["+strings.Join(t.values, " ")+"]")
}

func (m *comboModel) list(inputs []int, opts deferred.ListOptions) {
	t := &cmTerminal{kind: 1, inputs: inputs, opts: opts, values: make([]string, len(inputs)), left: len(inputs)}
	j := m.newTerminal(t)
	if len(inputs) == 0 {
		m.fireTerminal(j, "ok []")
		return
	}
	for k, i := range inputs {
		m.addStage(i, cmStage{kind: 2, which: j, slot: k})
	}
}

func (m *comboModel) listFired(j, k int, res mResult) {
	t := m.terminals[j]
	if t.done {
		return
	}
	if res.err != "" {
		t.values[k] = res.err
	} else {
		t.values[k] = fmt.Sprint(res.v)
	}
	t.left--
	switch {
	case res.err != "" && t.opts.FireOnOneErrback:
		t.done = true
		m.fireTerminal(j, fmt.Sprintf("err F(%d,%s)", k, res.err))
	case t.left == 0:
		t.done = true
		m.fireTerminal(j, "ok ["+strings.Join(t.values, "|")+"]")
	}
}

func (m *comboModel) race(inputs []int) {
	t := &cmTerminal{kind: 2, inputs: inputs, winner: -1, errs: make([]string, len(inputs))}
	j := m.newTerminal(t)
	if len(inputs) == 0 {
		m.fireTerminal(j, "err A[]")
		return
	}
	for k, i := range inputs {
		m.addStage(i, cmStage{kind: 3, which: j, slot: k})
	}
}

func (m *comboModel) raceFired(j, k int, res mResult) {
	t := m.terminals[j]
	if t.winner >= 0 {
		return
	}
	if res.err == "" {
		t.winner = k
		for x, i := range t.inputs {
			if x != k {
				m.cancelNode(i, "lost the race")
			}
		}
		m.fireTerminal(j, fmt.Sprintf("ok w(%d,%d)", k, res.v))
		return
	}
	t.errs[k] = res.err
	if t.failed++; t.failed < len(t.inputs) {
		return
	}
	m.fireTerminal(j, "err A["+strings.Join(t.errs, ";")+"]")
}

func (m *comboModel) cancelTerminal(j int, reason string) {
	t := m.terminals[j]
	if t.fired {
		return
	}
	switch t.kind {
	case 0:
		if t.done {
			return
		}
		for _, i := range t.inputs {
			m.cancelNode(i, reason)
		}
	case 1:
		for _, i := range t.inputs {
			m.cancelNode(i, reason)
		}
	case 2:
		for x, i := range t.inputs {
			if x != t.winner {
				m.cancelNode(i, reason)
			}
		}
	case 3:
		m.lockWaiters = slices.DeleteFunc(m.lockWaiters, func(x int) bool { return x == j })
		m.fireTerminal(j, "err C("+reason+")")
	case 4:
		m.semWaiters = slices.DeleteFunc(m.semWaiters, func(x int) bool { return x == j })
		m.fireTerminal(j, "err C("+reason+")")
	case 5:
		// The canceller leaves the queue, which may let others in, before
		// the cancelled wait fails.
		k := &m.keyed[t.lock][t.key]
		k.waiters = slices.DeleteFunc(k.waiters, func(x int) bool { return x == j })
		m.dispatch(t.lock, t.key)
		m.fireTerminal(j, "err C("+reason+")")
	}
}

func (m *comboModel) admits(lock int, k *cmKeyed, exclusive bool) bool {
	if exclusive {
		return !k.exclusive && k.shared == 0
	}
	return !k.exclusive && (lock == 1 || k.shared < m.p.maxCount)
}

func (m *comboModel) grant(k *cmKeyed, t *cmTerminal) {
	if t.exclusive {
		k.exclusive = true
	} else {
		k.shared++
	}
}

func (m *comboModel) acquirePermit(lock, key int, exclusive bool) {
	t := &cmTerminal{kind: 5, lock: lock, key: key, exclusive: exclusive}
	j := m.newTerminal(t)
	m.permits = append(m.permits, j)
	k := &m.keyed[lock][key]
	if len(k.waiters) == 0 && m.admits(lock, k, exclusive) {
		m.grant(k, t)
		m.fireTerminal(j, "ok P")
		return
	}
	k.waiters = append(k.waiters, j)
}

func (m *comboModel) dispatch(lock, key int) {
	k := &m.keyed[lock][key]
	for len(k.waiters) > 0 && m.admits(lock, k, m.terminals[k.waiters[0]].exclusive) {
		j := k.waiters[0]
		k.waiters = k.waiters[1:]
		m.grant(k, m.terminals[j])
		m.fireTerminal(j, "ok P")
	}
}

func (m *comboModel) releasePermit(i int) {
	j := m.permits[i]
	t := m.terminals[j]
	switch {
	case !t.fired || t.res != "ok P":
		m.logf("p%d not held", i)
		return
	case t.released:
		m.logf("p%d released twice", i)
		return
	}
	t.released = true
	k := &m.keyed[t.lock][t.key]
	if t.exclusive {
		k.exclusive = false
	} else {
		k.shared--
	}
	m.dispatch(t.lock, t.key)
}

func (m *comboModel) lockAcquire() {
	j := m.newTerminal(&cmTerminal{kind: 3})
	if !m.locked {
		m.locked = true
		m.fireTerminal(j, "ok L")
		return
	}
	m.lockWaiters = append(m.lockWaiters, j)
}

func (m *comboModel) lockRelease() {
	if !m.locked {
		m.logf("release unlocked")
		return
	}
	if len(m.lockWaiters) == 0 {
		m.locked = false
		return
	}
	j := m.lockWaiters[0]
	m.lockWaiters = m.lockWaiters[1:]
	m.fireTerminal(j, "ok L")
}

func (m *comboModel) semAcquire() {
	j := m.newTerminal(&cmTerminal{kind: 4})
	if m.tokens > 0 {
		m.tokens--
		m.fireTerminal(j, "ok S")
		return
	}
	m.semWaiters = append(m.semWaiters, j)
}

func (m *comboModel) semRelease() {
	if m.tokens >= m.p.tokens {
		m.logf("release free")
		return
	}
	if len(m.semWaiters) == 0 {
		m.tokens++
		return
	}
	j := m.semWaiters[0]
	m.semWaiters = m.semWaiters[1:]
	m.fireTerminal(j, "ok S")
}

func (m *comboModel) put(v int) {
	if len(m.getWaiters) > 0 {
		i := m.getWaiters[0]
		m.getWaiters = m.getWaiters[1:]
		m.fireNode(i, mResult{v: v}, false)
		return
	}
	if m.p.size >= 0 && len(m.values) >= m.p.size {
		m.logf("put %d: overflow", v)
		return
	}
	m.values = append(m.values, v)
}

func (m *comboModel) get() {
	switch {
	case len(m.values) > 0:
		v := m.values[0]
		m.values = m.values[1:]
		m.newNode(&cmNode{kind: kFixed, fired: true, res: mResult{v: v}})
	case m.p.backlog >= 0 && len(m.getWaiters) >= m.p.backlog:
		m.newNode(&cmNode{kind: kFixed, fired: true, res: mResult{err: "U"}})
	default:
		m.getWaiters = append(m.getWaiters, m.newNode(&cmNode{kind: kGet}))
	}
}

func (m *comboModel) inputs(arg int) []int { return pick(arg, len(m.nodes)) }

func runCombosOnModel(p comboProgram) comboOutcome {
	m := &comboModel{p: p, tokens: p.tokens}
	for _, o := range p.ops {
		reason := fmt.Sprint("r", o.arg)
		switch o.code {
		case cSource:
			m.sources = append(m.sources, m.newNode(&cmNode{kind: kSource, canceller: o.arg % 5, k: o.arg / 5}))
		case cFire:
			if len(m.sources) > 0 {
				res := mResult{v: o.arg}
				if o.arg%2 == 1 {
					res = mResult{err: fmt.Sprint("E", o.arg%4)}
				}
				m.fireNode(m.sources[o.arg%len(m.sources)], res, true)
			}
		case cCancel:
			if len(m.nodes) > 0 {
				m.cancelNode(o.arg%len(m.nodes), reason)
			}
		case cTimeout:
			if len(m.nodes) > 0 {
				m.timeout(o.arg%len(m.nodes), timeoutAfter(o.arg))
			}
		case cAdvance:
			m.advance(time.Duration(o.arg%3) * time.Second)
		case cObservable:
			if len(m.nodes) > 0 {
				m.observable(o.arg % len(m.nodes))
			}
		case cObserve:
			if len(m.observables) > 0 {
				m.observe(o.arg % len(m.observables))
			}
		case cGather:
			m.gather(m.inputs(o.arg))
		case cList:
			m.list(m.inputs(o.arg), deferred.ListOptions{FireOnOneErrback: o.arg/64%2 == 1, ConsumeErrors: o.arg/128%2 == 1})
		case cRace:
			m.race(m.inputs(o.arg))
		case cCancelTerminal:
			if len(m.terminals) > 0 {
				m.cancelTerminal(o.arg%len(m.terminals), reason)
			}
		case cLockAcquire:
			m.lockAcquire()
		case cLockRelease:
			m.lockRelease()
		case cSemAcquire:
			m.semAcquire()
		case cSemRelease:
			m.semRelease()
		case cPut:
			m.put(o.arg)
		case cGet:
			m.get()
		case cQueueKey:
			m.acquirePermit(0, o.arg%2, false)
		case cReadKey:
			m.acquirePermit(1, o.arg%2, false)
		case cWriteKey:
			m.acquirePermit(1, o.arg%2, true)
		case cReleasePermit:
			if len(m.permits) > 0 {
				m.releasePermit(o.arg % len(m.permits))
			}
		}
	}
	out := comboOutcome{
		Log:      m.log,
		Locked:   m.locked,
		Tokens:   m.tokens,
		QueueLen: len(m.values),
		Waiting:  len(m.getWaiters),
	}
	for _, n := range m.nodes {
		if !n.fired {
			out.Nodes = append(out.Nodes, "-")
		} else {
			out.Nodes = append(out.Nodes, resString(n.res))
		}
	}
	for _, t := range m.terminals {
		if !t.fired {
			out.Terminals = append(out.Terminals, "-")
		} else {
			out.Terminals = append(out.Terminals, t.res)
		}
	}
	return out
}

// comboSeeds exercise each combinator; testdata/fuzz/FuzzCombinators holds
// more.
var comboSeeds = [][]byte{
	{0, byte(cSource), 0, byte(cSource), 6, byte(cGather), 1 + 4*0, byte(cFire), 2, byte(cFire), 3},
	{0, byte(cSource), 3, byte(cTimeout), 16, byte(cAdvance), 2, byte(cAdvance), 2},
	{0, byte(cSource), 0, byte(cSource), 1, byte(cRace), 2 + 4*1, byte(cFire), 4, byte(cCancelTerminal), 0},
	{0, byte(cSource), 2, byte(cObservable), 0, byte(cObserve), 0, byte(cObserve), 0, byte(cCancel), 1, byte(cFire), 6},
	{0x21, byte(cLockAcquire), 0, byte(cLockAcquire), 0, byte(cCancelTerminal), 1, byte(cLockRelease), 0, byte(cSemAcquire), 0, byte(cSemRelease), 0, byte(cSemRelease), 0},
	{5, byte(cGet), 0, byte(cGet), 0, byte(cCancel), 0, byte(cPut), 7, byte(cPut), 8, byte(cPut), 9, byte(cGet), 0},
	{0, byte(cSource), 4, byte(cList), 3 + 64, byte(cCancelTerminal), 0, byte(cTimeout), 0, byte(cAdvance), 1},
	{48, byte(cQueueKey), 0, byte(cQueueKey), 0, byte(cQueueKey), 0, byte(cCancelTerminal), 1, byte(cReleasePermit), 0, byte(cReleasePermit), 0},
	{0, byte(cReadKey), 1, byte(cReadKey), 1, byte(cWriteKey), 1, byte(cReadKey), 1, byte(cCancelTerminal), 2, byte(cReleasePermit), 0, byte(cReleasePermit), 1},
}

// comboReports is the run that the reports of cancellers that panic after
// firing go to, in its log: they are made at once, by the Cancel. The
// other reports, of failures the programs drop, come whenever the
// collector finds them, and are not logged.
var comboReports struct {
	sync.Mutex
	run *comboRun
}

func FuzzCombinators(f *testing.F) {
	for _, s := range comboSeeds {
		f.Add(s)
	}
	prev := deferred.SetUnhandledHook(func(u deferred.UnhandledError) {
		if !strings.HasPrefix(u.Type, "canceller of") {
			return
		}
		comboReports.Lock()
		defer comboReports.Unlock()
		if comboReports.run != nil {
			comboReports.run.logf("report %s", describeCombo(u.Err))
		}
	})
	f.Cleanup(func() { deferred.SetUnhandledHook(prev) })
	f.Fuzz(func(t *testing.T, data []byte) {
		p := decodeComboProgram(data)
		got, want := runCombosOnRuntime(p), runCombosOnModel(p)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("program %+v\nruntime: %+v\nmodel:   %+v", p, got, want)
		}
	})
}
