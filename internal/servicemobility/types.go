package servicemobility

// Wire types of the Parts Ordering REST API Interface (3.18.0), field names
// exactly as the vendor spells them.

import (
	"encoding/json"
	"strconv"
)

// Commands of a parts order.
const (
	// CommandCheck prices the parts and checks their availability; nothing is
	// ordered (designed: the vendor's example uses 1001 without saying what
	// it does).
	CommandCheck = 1001
	// CommandOrder places the order.
	CommandOrder = 1002
)

// Statuses of a Parts Ordering Response Object (StatusFailed is "2001").
const (
	StatusAllOrdered    = "1001" // every part ordered (or, for a check, available)
	StatusPartlyOrdered = "1002" // some parts ordered: each part's PartStatus says why not
)

// Decimal is a JSON number kept as its literal, so a quantity is answered
// as it was asked (10.0 stays 10.0) and money never passes through a float.
type Decimal string

// MarshalJSON writes the literal; an empty Decimal is 0.
func (d Decimal) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("0"), nil
	}
	return []byte(d), nil
}

// Float is the value, for comparisons.
func (d Decimal) Float() float64 {
	f, _ := strconv.ParseFloat(string(d), 64)
	return f
}

// PartsOrder is the Parts Ordering Object: what the technician's app posts
// and what ServiceMobility forwards, unchanged, to the implementer.
type PartsOrder struct {
	AccountNum string      `json:"AccountNum,omitempty"`
	Command    int         `json:"Command"`
	Location   *Location   `json:"Location,omitempty"`
	Parts      []OrderPart `json:"Parts"`
	UserName   string      `json:"UserName,omitempty"`
	WorkOrder  string      `json:"WorkOrder"`
}

// Location is where the parts are for.
type Location struct {
	Address           *Address  `json:"Address,omitempty"`
	Contacts          []Contact `json:"Contacts,omitempty"`
	Email             string    `json:"Email,omitempty"`
	LanguageID        string    `json:"LanguageID,omitempty"`
	LocationNum       string    `json:"LocationNum,omitempty"`
	Name              string    `json:"Name,omitempty"`
	Notes             string    `json:"Notes,omitempty"`
	POReq             bool      `json:"POReq"`
	ServiceAreaID     string    `json:"ServiceAreaID,omitempty"`
	SigReq            bool      `json:"SigReq"`
	StorageLocationID string    `json:"StorageLocationID,omitempty"`
	WorkCenter        string    `json:"WorkCenter,omitempty"`
}

type Address struct {
	AddrLine1 string `json:"AddrLine1,omitempty"`
	AddrLine2 string `json:"AddrLine2,omitempty"`
	AddrLine3 string `json:"AddrLine3,omitempty"`
	AddrLine4 string `json:"AddrLine4,omitempty"`
	AddrType  string `json:"AddrType,omitempty"`
	City      string `json:"City,omitempty"`
	Country   string `json:"Country,omitempty"`
	Region    string `json:"Region,omitempty"`
	Zip       string `json:"Zip,omitempty"`
}

type Contact struct {
	Email     string  `json:"Email,omitempty"`
	FirstName string  `json:"FirstName,omitempty"`
	IsPrimary bool    `json:"IsPrimary"`
	LastName  string  `json:"LastName,omitempty"`
	Phones    []Phone `json:"Phones,omitempty"`
}

type Phone struct {
	PhoneNum  string `json:"PhoneNum,omitempty"`
	PhoneType string `json:"PhoneType,omitempty"`
}

// OrderPart is one part asked for.
type OrderPart struct {
	ProdNum        string     `json:"ProdNum"`
	ProdAttrs      *ProdAttrs `json:"ProdAttrs,omitempty"`
	Qty            Decimal    `json:"Qty"`
	ShipToLocation string     `json:"ShipToLocation,omitempty"`
	Urgency        string     `json:"Urgency,omitempty"`
}

// ProdAttrs of a part asked for: its description.
type ProdAttrs struct {
	Desc string `json:"Desc,omitempty"`
}

// Desc is the part's description as asked, or "".
func (p OrderPart) Desc() string {
	if p.ProdAttrs == nil {
		return ""
	}
	return p.ProdAttrs.Desc
}

// PartsOrderResponse is the Parts Ordering Response Object.
type PartsOrderResponse struct {
	Orders    []Order `json:"Orders"`
	Status    string  `json:"Status"`
	StatusMsg string  `json:"StatusMsg,omitempty"`
}

// Order is what one back-end order holds. The reference implementation
// places one per supplier; the parts it could not order come last, in an
// order without PartOrderNum or EstimatedDelivery.
type Order struct {
	EstimatedDelivery string         `json:"EstimatedDelivery,omitempty"`
	PartOrderNum      string         `json:"PartOrderNum,omitempty"`
	Parts             []ResponsePart `json:"Parts"`
	TrackingNumber    string         `json:"TrackingNumber,omitempty"`
}

// ResponsePart is a part as the back end ordered it (or says why not).
type ResponsePart struct {
	ProdNum         string           `json:"ProdNum"`
	PartStatus      string           `json:"PartStatus"`
	ProdAttrs       ResponseAttrs    `json:"ProdAttrs"`
	Qty             Decimal          `json:"Qty"`
	ShipToLocation  string           `json:"ShipToLocation,omitempty"`
	SupersededParts []SupersededPart `json:"SupersededParts,omitempty"`
	Urgency         string           `json:"Urgency,omitempty"`
}

// ResponseAttrs describe a part in an answer.
type ResponseAttrs struct {
	Desc         string  `json:"Desc"`
	IsBatch      bool    `json:"IsBatch"`
	IsInvCtrl    bool    `json:"IsInvCtrl"`
	IsSerialized bool    `json:"IsSerialized"`
	Price        Decimal `json:"Price,omitempty"`
	ProdType     string  `json:"ProdType,omitempty"`
}

// SupersededPart is the part that replaced the one asked for.
type SupersededPart struct {
	ProdNum    string        `json:"ProdNum"`
	PartStatus string        `json:"PartStatus"`
	ProdAttrs  ResponseAttrs `json:"ProdAttrs"`
	Qty        Decimal       `json:"Qty"`
}

// Logon is the body of createjwt.
type Logon struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// TokenResponse is createjwt's answer.
type TokenResponse struct {
	Token string `json:"token"`
}

// SysConfig is the part of the Entity System Configuration Object of the
// "mobility" system the stand-in keeps (designed shape, nested as the
// vendor's object nests its settings).
type SysConfig struct {
	PartsOrdering PartsOrderingConfig `json:"PartsOrdering"`
}

type PartsOrderingConfig struct {
	// EntityServiceURI is the implementer's endpoint; "" sends parts orders to
	// the reference implementation.
	EntityServiceURI string `json:"EntityServiceURI"`
}

// mustJSON renders a value the module built itself; failure is a bug.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
