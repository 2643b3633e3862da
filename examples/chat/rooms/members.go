package rooms

import (
	"errors"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// A Member is a member of a room, with the display name of their profile
// when it could be loaded.
type Member struct {
	UserID      string `json:"user_id"`
	DisplayName string `json:"display_name,omitempty"`
}

// Members lists the members of a room with their profiles, loaded
// concurrently. Profiles only decorate the list: if they cannot be loaded,
// the members are listed without them.
func (s *Service) Members(t *deferred.Task, room string) ([]Member, error) {
	ids, err := deferred.Await(t, s.store.Members(room))
	if err != nil {
		return nil, err
	}
	profiles, err := deferred.Await(t, deferred.Gather(s.profiles(ids), true))
	if err != nil {
		// Cancelling the Gather cancels every profile load, and the
		// Gather fails with a *FirstError around the *CancelledError:
		// errors.Is sees through it.
		if errors.Is(err, deferred.ErrCancelled) {
			return nil, err
		}
		logcontext.Logger(t).Warn("listing members without their profiles", "room", room, "err", err)
		return bareMembers(ids), nil
	}
	return membersWith(profiles), nil
}

// profiles starts loading the profile of each user. A user without a
// profile gets an empty one.
func (s *Service) profiles(users []string) []*deferred.Deferred[store.Profile] {
	loads := make([]*deferred.Deferred[store.Profile], len(users))
	for i, user := range users {
		loads[i] = s.store.Profile(user).AddErrback(func(err error) (store.Profile, error) {
			if errors.Is(err, store.ErrNotFound) {
				return store.Profile{UserID: user}, nil
			}
			return store.Profile{}, err
		})
	}
	return loads
}

func bareMembers(users []string) []Member {
	ms := make([]Member, len(users))
	for i, u := range users {
		ms[i] = Member{UserID: u}
	}
	return ms
}

func membersWith(profiles []store.Profile) []Member {
	ms := make([]Member, len(profiles))
	for i, p := range profiles {
		ms[i] = Member{UserID: p.UserID, DisplayName: p.DisplayName}
	}
	return ms
}
