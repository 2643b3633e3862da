package rooms

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// MembersEqualsCheck is Members with the cancellation test written as a
// comparison with the sentinel.
//
// Hazard (firsterror): a cancelled Gather fails with a *FirstError around
// a *CancelledError, and neither is the sentinel itself, so the test is
// never true: a cancelled request lists the members without profiles and
// succeeds. It is Synapse's "FirstError(CancelledError) gets swallowed".
// The fix is Members' errors.Is.
func (s *Service) MembersEqualsCheck(t *deferred.Task, room string) ([]Member, error) {
	ids, err := deferred.Await(t, s.store.Members(room))
	if err != nil {
		return nil, err
	}
	profiles, err := deferred.Await(t, deferred.Gather(s.profiles(ids), true))
	if err != nil {
		if err == deferred.ErrCancelled {
			return nil, err
		}
		logcontext.Logger(t).Warn("listing members without their profiles", "room", room, "err", err)
		return bareMembers(ids), nil
	}
	return membersWith(profiles), nil
}
