package seed

import (
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// The Partage freight world (contract partage-freight.md, Transport): a US
// parts distributor in Chicago with two sub-companies, and a second,
// unrelated company so that isolation between companies can be tried.
//
// Credit figures are whole dollars and stand for loads billed before the
// world began (they are not backed by quotes):
//
//	company                             external_id           limit   utilization  same_credit
//	Lakeshore Parts Distribution        —                    50,000        12,480  false
//	  Badger State Auto Parts           badger-state           5,000         3,900  false
//	  Lakeshore Parts — Indianapolis    lakeshore-indy          null         2,150  true
//	Gulf Coast Auto Supply              —                    20,000             0  false
//
// The parent's 12,480 includes the 2,150 of the Indianapolis branch, which
// books on the parent's credit. Badger State has 1,100 of credit left: less
// than a truckload out of Chicago of more than about 500 miles, so a booking
// it makes on its own credit shows the credit-limit refusal.
const (
	PartageDemoToken  = "partage_demo_token_5c2e"
	PartageOtherToken = "partage_other_token_9d41"

	PartageBadgerExternalID = "badger-state"
	PartageIndyExternalID   = "lakeshore-indy"
)

var (
	PartageLakeshoreID = uuid.MustParse("0f000000-0000-4000-8000-000000000001")
	PartageBadgerID    = uuid.MustParse("0f000000-0000-4000-8000-000000000002")
	PartageIndyID      = uuid.MustParse("0f000000-0000-4000-8000-000000000003")
	PartageGulfCoastID = uuid.MustParse("0f000000-0000-4000-8000-000000000004")
)

func partageCompanies() []store.PartageCompany {
	lakeshore := PartageLakeshoreID
	return []store.PartageCompany{
		{
			ID: PartageLakeshoreID, Name: "Lakeshore Parts Distribution", APIToken: ptr(PartageDemoToken),
			APIUser:     store.PartageUser{Name: "Dana Kowalski", Email: "dana.kowalski@lakeshoreparts.example"},
			CreditLimit: ptr(int64(50000)), CreditUtilization: 12480, DUNSNumber: ptr("07-481-2260"),
			Location: &store.PartageLocation{AddressOne: "2250 W Carroll Ave", PostalCode: "60612"},
			AccountsPayable: &store.PartageContact{FirstName: "Ray", LastName: "Okafor",
				Email: "ap@lakeshoreparts.example", Phone: "312-555-0148"},
			CreatedAt: Epoch,
		},
		{
			ID: PartageBadgerID, ParentID: &lakeshore, Name: "Badger State Auto Parts",
			ExternalID: ptr(PartageBadgerExternalID), CreditLimit: ptr(int64(5000)), CreditUtilization: 3900,
			Location: &store.PartageLocation{AddressOne: "1420 S 1st St", PostalCode: "53204"},
			AccountsPayable: &store.PartageContact{FirstName: "Greta", LastName: "Lindqvist",
				Email: "payables@badgerstateauto.example", Phone: "414-555-0193"},
			CreatedAt: Epoch,
		},
		{
			ID: PartageIndyID, ParentID: &lakeshore, Name: "Lakeshore Parts — Indianapolis",
			ExternalID: ptr(PartageIndyExternalID), SameCredit: true, CreditUtilization: 2150,
			Location:  &store.PartageLocation{AddressOne: "3100 E Washington St", PostalCode: "46201"},
			CreatedAt: Epoch,
		},
		{
			ID: PartageGulfCoastID, Name: "Gulf Coast Auto Supply", APIToken: ptr(PartageOtherToken),
			APIUser:     store.PartageUser{Name: "Luis Navarro", Email: "luis.navarro@gulfcoastauto.example"},
			CreditLimit: ptr(int64(20000)),
			Location:    &store.PartageLocation{AddressOne: "4800 Navigation Blvd", PostalCode: "77011"},
			CreatedAt:   Epoch,
		},
	}
}
