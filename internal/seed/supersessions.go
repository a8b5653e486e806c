package seed

// Supersession says that a part number is no longer made and which number
// replaced it. The world's catalogue sells the successors only; parts orders
// that name an old number are answered with its successor.
type Supersession struct {
	Old, New string
	Reason   string
}

// Superseded part numbers of the 2019 Corolla front end.
const (
	BumperCoverOldPN = "52119-12D80" // the bumper cover before the 2019 facelift
	HeadlampLHOldPN  = "81170-12N30" // the halogen left headlamp
)

// Supersessions is the world's supersession table, each successor in the
// catalogue. It is reference data, the same in every world.
func Supersessions() []Supersession {
	return []Supersession{
		{Old: BumperCoverOldPN, New: BumperCoverPN, Reason: "replaced by the facelift bumper cover"},
		{Old: HeadlampLHOldPN, New: HeadlampLHPN, Reason: "replaced by the LED headlamp"},
	}
}
