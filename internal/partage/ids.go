package partage

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// Quote identities. Both are minted from the world's counters, so a fresh
// world given the same calls gives the same ids:
//
//   - number is "YYYY-MM-DD-N": the date of creation in HomeZone and the
//     rank of the quote among those its family (the token's company and its
//     sub-companies) made that day, from 1. One sequence per family keeps a
//     number unique wherever the family looks it up [D].
//   - pl_id is "PL" and 4 characters of [0-9A-Z]: the quote's rank in the
//     world, n, spread by n × plStride + plOffset mod 36⁴. plStride is prime
//     to 36⁴ (= 2⁸·3⁸), so the first 36⁴ ranks get distinct ids; the world
//     holds at most MaxQuotes, far fewer.
const (
	MaxQuotes = 100000 // per world [D]
	plSpace   = 36 * 36 * 36 * 36
	plStride  = 1000003
	plOffset  = 424242
	plAlpha   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

var (
	plIDPattern   = regexp.MustCompile(`^PL[0-9A-Z]{4}$`)
	numberPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}-[1-9][0-9]{0,8}$`)
)

// PLID is the pl_id of the world's n-th quote (n ≥ 1).
func PLID(n int64) string {
	v := (n*plStride + plOffset) % plSpace
	b := []byte("PL0000")
	for i := 5; i >= 2; i-- {
		b[i] = plAlpha[v%36]
		v /= 36
	}
	return string(b)
}

// Number is the number of the family's n-th quote of the day now falls on.
func Number(now time.Time, n int64) string {
	return now.In(HomeZone).Format(time.DateOnly) + "-" + strconv.FormatInt(n, 10)
}

// quoteID is the record id of the world's n-th quote.
func quoteID(family uuid.UUID, n int64) uuid.UUID {
	return seed.Mint(family, fmt.Sprintf("partage-quote:%d", n))
}

// shipmentID is the numeric id the views give a quote's one shipment.
func shipmentID(q store.PartageQuote) int64 { return 20000 + q.Seq }

// mintQuote takes the next world rank and family number.
func mintQuote(tx store.Tx, family uuid.UUID) (seq int64, number, plID string, err error) {
	seq, err = tx.NextPartageCounter("pl_id")
	if err != nil {
		return 0, "", "", err
	}
	if seq > MaxQuotes {
		return 0, "", "", invalidQuote("This world holds %d quotes, the most it keeps; reset it to start over.", MaxQuotes)
	}
	day := tx.Now().In(HomeZone).Format(time.DateOnly)
	n, err := tx.NextPartageCounter("number:" + family.String() + ":" + day)
	if err != nil {
		return 0, "", "", err
	}
	return seq, Number(tx.Now(), n), PLID(seq), nil
}

// findQuote resolves a path id, a number or a pl_id, within the caller's
// family. Anything else is not looked up at all.
func findQuote(tx store.Tx, family uuid.UUID, id string) (store.PartageQuote, error) {
	var q store.PartageQuote
	var err error
	switch {
	case plIDPattern.MatchString(id):
		q, err = tx.PartageQuoteByPLID(family, id)
	case numberPattern.MatchString(id):
		q, err = tx.PartageQuoteByNumber(family, id)
	default:
		return q, errQuoteNotFound
	}
	return q, notFoundAs(err, errQuoteNotFound)
}
